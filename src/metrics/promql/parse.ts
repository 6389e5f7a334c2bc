import type { SyntaxNode, Tree } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import type { Expr, Position } from './ast.js';
import { PromQLError, unsupported } from './errors.js';
import { functionSignatures, unsupportedFunctions } from './function-signatures.js';
import type { Source } from './parse-selectors.js';
import { TreeReader } from './parse-tree.js';
import { preprocess } from './preprocess.js';
import { check, rejectUnsupported } from './typecheck.js';

export interface ParseOptions {
  /** read `80%` (a number immediately followed by `%` and no operand) as 0.8 */
  percentLiterals?: boolean;
}

/**
 * Parses PromQL with the Prometheus project's own lezer grammar and checks it
 * the way Prometheus's parser does. Throws a PromQLError: `parse` for syntax,
 * `type` for static type errors, `unsupported` (naming the construct) for
 * valid PromQL this evaluator refuses to answer.
 *
 * @example
 *   parsePromQL('cpu_usage > 80%', { percentLiterals: true }) // a comparison with the scalar 0.8
 */
export function parsePromQL(expr: string, opts: ParseOptions = {}): Expr {
  rejectDeepNesting(expr);
  const { text, starts } = preprocess(expr, opts.percentLiterals ?? false);
  const tree = parser.parse(text);
  const top = tree.topNode.firstChild;
  if (!top) throw new PromQLError('parse', 'no expression found in input', { position: { from: 0, to: 0 } });
  throwFirstSyntaxError(tree, text);
  if (top.nextSibling) {
    throw new PromQLError('parse', `unexpected ${JSON.stringify(text.slice(top.nextSibling.from))}`, {
      position: { from: top.nextSibling.from, to: text.length },
    });
  }
  const src: Source = {
    text,
    slice: (n: SyntaxNode) => text.slice(n.from, n.to),
    pos: (n: SyntaxNode) => ({ from: n.from, to: n.to }),
  };
  const ast = new TreeReader(src, starts).expr(top);
  // Refusals first: an unsupported construct (e.g. info()) may not type-check by our rules.
  rejectUnsupported(ast);
  check(ast);
  return ast;
}

/** Brackets one expression may nest; far more than any real query, far less than the parser's stack. */
const maxNesting = 256;

/**
 * 5,000 nested calls took the grammar's error recovery seconds before it gave
 * up; a look at the brackets outside string literals refuses them at once.
 */
function rejectDeepNesting(expr: string): void {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '#') {
      const nl = expr.indexOf('\n', i);
      i = nl < 0 ? expr.length : nl;
    } else if (c === '(' || c === '[' || c === '{') {
      if (++depth > maxNesting) {
        throw new PromQLError('parse', `expression nested deeper than ${maxNesting} levels`, {
          position: { from: i, to: i + 1 },
        });
      }
    } else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
  }
}

function throwFirstSyntaxError(tree: Tree, text: string): void {
  let err: { from: number; to: number } | undefined;
  tree.iterate({
    enter(n) {
      if (err) return false;
      if (n.type.isError) err = { from: n.from, to: n.to };
      return undefined;
    },
  });
  if (!err) return;
  const position: Position = { from: err.from, to: Math.min(text.length, Math.max(err.to, err.from + 1)) };
  const call = /([A-Za-z_:][\w:]*)\s*$/.exec(text.slice(0, err.from));
  if (call && text.slice(err.from).trimStart().startsWith('(')) {
    const name = call[1]!;
    const at = { from: err.from - call[0].length, to: position.to };
    if (unsupportedFunctions.has(name) || functionSignatures[name]) throw unsupported(`function ${name}`, at);
    throw new PromQLError('parse', `unknown function with name "${name}"`, { position: at });
  }
  const rest = text.slice(err.from).trimStart();
  const message =
    rest === ''
      ? 'unexpected end of input'
      : `unexpected ${JSON.stringify(/^(\w+|\S)/.exec(rest)![0])} at position ${err.from + 1}`;
  throw new PromQLError('parse', message, { position });
}

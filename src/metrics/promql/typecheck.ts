import {
  children,
  type Expr,
  isComparison,
  isSetOp,
  type Position,
  unwrapParens,
  type ValueType,
} from './ast.js';
import { PromQLError, unsupported } from './errors.js';
import { goQuote } from './format.js';
import { functionSignatures, unsupportedFunctions } from './function-signatures.js';
import { isValidLabelName } from './lexical.js';
import { compileMatcher } from './matchers.js';
import { compileAnchored } from './regex.js';

/**
 * Prometheus's static checks (parser.checkAST), with its messages, plus our
 * refusal of constructs we do not evaluate. Also normalises vector matching:
 * set operators become many-to-many, scalar operands carry no matching.
 */

const documented: Record<ValueType, string> = {
  scalar: 'scalar',
  vector: 'instant vector',
  matrix: 'range vector',
  string: 'string',
};

function typeError(message: string, position: Position): PromQLError {
  return new PromQLError('type', message, { position });
}

/** The static type of an expression (assumes it has been checked). */
export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vectorSelector':
    case 'aggregate':
      return 'vector';
    case 'matrixSelector':
    case 'subquery':
      return 'matrix';
    case 'paren':
    case 'unary':
      return typeOf(e.expr);
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'call':
      return functionSignatures[e.func]?.returns ?? 'vector';
  }
}

function expectType(e: Expr, want: ValueType, context: string): void {
  const t = check(e);
  if (t !== want)
    throw typeError(`expected type ${documented[want]} in ${context}, got ${documented[t]}`, e.pos);
}

/** Checks `e` recursively and returns its type. Throws the first error found. */
export function check(e: Expr): ValueType {
  const t = checkNode(e);
  checkLiterals(e);
  return t;
}

function checkNode(e: Expr): ValueType {
  switch (e.kind) {
    case 'number':
    case 'string':
      return typeOf(e);
    case 'vectorSelector': {
      if (e.name === undefined && !e.matchers.some((m) => !compileMatcher(m)(''))) {
        throw typeError('vector selector must contain at least one non-empty matcher', e.pos);
      }
      return 'vector';
    }
    case 'matrixSelector':
      check(e.selector);
      return 'matrix';
    case 'subquery': {
      const t = check(e.expr);
      if (t !== 'vector')
        throw typeError(`subquery is only allowed on instant vector, got ${t} instead`, e.pos);
      return 'matrix';
    }
    case 'paren':
      return check(e.expr);
    case 'unary': {
      const t = check(e.expr);
      if (t !== 'scalar' && t !== 'vector') {
        throw typeError(
          `unary expression only allowed on expressions of type scalar or instant vector, got "${documented[t]}"`,
          e.pos,
        );
      }
      return t;
    }
    case 'aggregate':
      expectType(e.expr, 'vector', 'aggregation expression');
      if (e.param)
        expectType(e.param, e.op === 'count_values' ? 'string' : 'scalar', 'aggregation parameter');
      return 'vector';
    case 'call':
      return checkCall(e);
    case 'binary':
      return checkBinary(e);
  }
}

function checkCall(e: Extract<Expr, { kind: 'call' }>): ValueType {
  const sig = functionSignatures[e.func];
  if (!sig) throw new PromQLError('parse', `unknown function with name "${e.func}"`, { position: e.pos });
  const n = sig.args.length;
  if (sig.variadic === 0) {
    if (n !== e.args.length) {
      throw typeError(`expected ${n} argument(s) in call to "${e.func}", got ${e.args.length}`, e.pos);
    }
  } else {
    const min = n - 1;
    if (min > e.args.length) {
      throw typeError(
        `expected at least ${min} argument(s) in call to "${e.func}", got ${e.args.length}`,
        e.pos,
      );
    }
    if (sig.variadic > 0 && min + sig.variadic < e.args.length) {
      throw typeError(
        `expected at most ${min + sig.variadic} argument(s) in call to "${e.func}", got ${e.args.length}`,
        e.pos,
      );
    }
  }
  e.args.forEach((arg, i) => {
    const want = sig.args[Math.min(i, n - 1)]!;
    const t = check(arg);
    if (t !== want) {
      throw typeError(
        `expected type ${documented[want]} in call to function "${e.func}", got ${documented[t]}`,
        arg.pos,
      );
    }
  });
  return sig.returns;
}

function checkBinary(e: Extract<Expr, { kind: 'binary' }>): ValueType {
  const lt = check(e.lhs);
  const rt = check(e.rhs);
  if (e.returnBool && !isComparison(e.op)) {
    throw typeError('bool modifier can only be used on comparison operators', e.opPos);
  }
  if (isComparison(e.op) && !e.returnBool && lt === 'scalar' && rt === 'scalar') {
    throw typeError('comparisons between scalars must use BOOL modifier', e.opPos);
  }
  const m = e.matching;
  if (m?.on) {
    const both = m.labels.find((l) => m.include.includes(l));
    if (both !== undefined)
      throw typeError(`label "${both}" must not occur in ON and GROUP clause at once`, e.opPos);
  }
  if (lt !== 'scalar' && lt !== 'vector') {
    throw typeError('binary expression must contain only scalar and instant vector types', e.lhs.pos);
  }
  if (rt !== 'scalar' && rt !== 'vector') {
    throw typeError('binary expression must contain only scalar and instant vector types', e.rhs.pos);
  }
  if (lt !== 'vector' || rt !== 'vector') {
    if (m && m.labels.length > 0)
      throw typeError('vector matching only allowed between instant vectors', e.pos);
    e.matching = null;
  } else {
    e.matching = m ?? { card: 'one-to-one', on: false, labels: [], include: [] };
    if (isSetOp(e.op)) {
      if (e.matching.card === 'one-to-many' || e.matching.card === 'many-to-one') {
        throw typeError(`no grouping allowed for "${e.op}" operation`, e.pos);
      }
      e.matching.card = 'many-to-many';
    }
  }
  if ((lt === 'scalar' || rt === 'scalar') && isSetOp(e.op)) {
    throw typeError(`set operator "${e.op}" not allowed in binary scalar expression`, e.pos);
  }
  return lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
}

/** The value of a string-literal argument (strings in PromQL can only be literals). */
function literal(e: Expr): string | undefined {
  const u = unwrapParens(e);
  return u.kind === 'string' ? u.value : undefined;
}

/**
 * Errors Prometheus raises only when evaluating, but that depend on literals
 * alone: caught here so a rule file is rejected when it is loaded. Called for
 * every node by check(), so it does not recurse itself.
 */
function checkLiterals(e: Expr): void {
  if (e.kind === 'aggregate' && e.op === 'count_values' && e.param) {
    const name = literal(e.param);
    if (name !== undefined && !isValidLabelName(name)) {
      throw typeError(`invalid label name ${goQuote(name)}`, e.param.pos);
    }
  }
  if (e.kind === 'call' && e.func === 'label_replace') {
    const dst = literal(e.args[1]!);
    const re = literal(e.args[4]!);
    if (re !== undefined) {
      try {
        compileAnchored(re);
      } catch {
        throw new PromQLError('parse', `invalid regular expression in label_replace(): ${re}`, {
          position: e.args[4]!.pos,
        });
      }
    }
    if (dst !== undefined && !isValidLabelName(dst)) {
      throw typeError(`invalid destination label name in label_replace(): ${dst}`, e.args[1]!.pos);
    }
  }
  if (e.kind === 'call' && e.func === 'label_join') {
    for (const [i, a] of e.args.entries()) {
      const name = i === 1 || i >= 3 ? literal(a) : undefined;
      if (name !== undefined && !isValidLabelName(name)) {
        const role = i === 1 ? 'destination' : 'source';
        throw typeError(`invalid ${role} label name in label_join(): ${name}`, a.pos);
      }
    }
  }
}

/** Refuses what parses and type-checks but we do not evaluate. */
export function rejectUnsupported(e: Expr): void {
  switch (e.kind) {
    case 'call':
      if (unsupportedFunctions.has(e.func)) throw unsupported(`function ${e.func}`, e.pos);
      break;
    case 'aggregate':
      if (e.op === 'limit_ratio') throw unsupported('aggregation limit_ratio', e.pos);
      break;
  }
  for (const c of children(e)) rejectUnsupported(c);
}

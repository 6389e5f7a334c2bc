import type { SyntaxNode } from '@lezer/common';
import type { Matcher, MatchType } from '../types.js';
import type { AtModifier, Expr, Position, VectorSelector } from './ast.js';
import { PromQLError, unsupported } from './errors.js';
import { parseNumberOrDuration, unquote } from './lexical.js';
import { compileAnchored, RegexSyntaxError } from './regex.js';

/** Reads source text and positions for the tree walk. */
export interface Source {
  text: string;
  slice(n: SyntaxNode): string;
  pos(n: SyntaxNode): Position;
}

export function parseError(message: string, position: Position): PromQLError {
  return new PromQLError('parse', message, { position });
}

export function stringValue(src: Source, n: SyntaxNode): string {
  const v = unquote(src.slice(n));
  if (v === undefined) throw parseError(`error unquoting string ${src.slice(n)}`, src.pos(n));
  return v;
}

const matchOps: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

function labelMatcher(src: Source, n: SyntaxNode): Matcher {
  if (n.name === 'QuotedLabelName') {
    return { name: '__name__', type: '=', value: stringValue(src, n.firstChild!) };
  }
  const nameNode = n.firstChild!;
  const opNode = nameNode.nextSibling!;
  const valueNode = opNode.nextSibling!;
  const name = nameNode.name === 'LabelName' ? src.slice(nameNode) : stringValue(src, nameNode.firstChild!);
  const type = matchOps[opNode.firstChild!.name]!;
  const value = stringValue(src, valueNode);
  if (type === '=~' || type === '!~') {
    try {
      compileAnchored(value);
    } catch (e) {
      const msg = e instanceof RegexSyntaxError ? e.message : String(e);
      throw parseError(`error parsing regexp: ${msg}: \`${value}\``, src.pos(valueNode));
    }
  }
  return { name, type, value };
}

export function vectorSelector(src: Source, n: SyntaxNode): VectorSelector {
  let name: string | undefined;
  const matchers: Matcher[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (c.name === 'Identifier') name = src.slice(c);
    else if (c.name === 'LabelMatchers') {
      for (let m = c.firstChild; m; m = m.nextSibling) matchers.push(labelMatcher(src, m));
    }
  }
  if (name !== undefined) {
    const dup = matchers.find((m) => m.name === '__name__');
    if (dup) {
      throw new PromQLError('type', `metric name must not be set twice: "${name}" or "${dup.value}"`, {
        position: src.pos(n),
      });
    }
    matchers.push({ name: '__name__', type: '=', value: name });
  }
  return {
    kind: 'vectorSelector',
    ...(name !== undefined ? { name } : {}),
    matchers,
    offsetMs: 0,
    pos: src.pos(n),
  };
}

/**
 * A duration inside `[...]` or after `offset`. Only plain literals are
 * supported; Prometheus's experimental duration arithmetic is refused.
 */
export function durationSeconds(src: Source, n: SyntaxNode): number {
  let sign = 1;
  let cur: SyntaxNode = n;
  for (;;) {
    const first = cur.firstChild;
    if (!first) throw parseError('expected a duration', src.pos(cur));
    if (first.name === 'UnaryOp' && first.nextSibling) {
      if (src.slice(first) === '-') sign = -sign;
      cur = first.nextSibling;
      continue;
    }
    if (first.name === 'NumberDurationLiteralInDurationContext' && !first.nextSibling) {
      const v = parseNumberOrDuration(src.slice(first));
      if (v === undefined) throw parseError(`error parsing duration ${src.slice(first)}`, src.pos(first));
      return sign * v;
    }
    if (first.name === 'DurationExpr' && !first.nextSibling) {
      cur = first;
      continue;
    }
    throw unsupported('duration expression', src.pos(n));
  }
}

/** A positive range such as `[5m]`, in milliseconds. */
export function rangeMs(src: Source, n: SyntaxNode): number {
  const secs = durationSeconds(src, n);
  if (!(secs > 0)) throw parseError('duration must be greater than 0', src.pos(n));
  return Math.round(secs * 1000);
}

type Modifiable = VectorSelector | Extract<Expr, { kind: 'subquery' }>;

/** The node an `offset` or `@` applies to: a selector (inside a range) or a subquery. */
function modifierTarget(e: Expr, what: string, pos: Position): Modifiable {
  if (e.kind === 'vectorSelector' || e.kind === 'subquery') return e;
  if (e.kind === 'matrixSelector') return e.selector;
  throw parseError(
    `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`,
    pos,
  );
}

export function applyOffset(e: Expr, offsetMs: number, pos: Position): Expr {
  const t = modifierTarget(e, 'offset', pos);
  if (t.offsetMs !== 0) throw parseError('offset may not be set multiple times', pos);
  t.offsetMs = offsetMs;
  return { ...e, pos: { from: e.pos.from, to: pos.to } } as Expr;
}

export function applyAt(e: Expr, at: AtModifier, pos: Position): Expr {
  const t = modifierTarget(e, '@', pos);
  if (t.at) throw parseError('@ <timestamp> may not be set multiple times', pos);
  t.at = at;
  return { ...e, pos: { from: e.pos.from, to: pos.to } } as Expr;
}

/** Reads the part after `@`: a timestamp in seconds, `start()` or `end()`. */
export function atModifier(src: Source, n: SyntaxNode): AtModifier {
  if (n.name === 'AtModifierPreprocessors') {
    return src.slice(n).startsWith('start') ? { kind: 'start' } : { kind: 'end' };
  }
  const secs = parseNumberOrDuration(src.slice(n));
  if (secs === undefined || !Number.isFinite(secs)) {
    throw parseError(`timestamp out of bounds for @ modifier: ${src.slice(n)}`, src.pos(n));
  }
  return { kind: 'time', ms: Math.round(secs * 1000) };
}

import { describe, expect, it } from 'vitest';
import { type Expr, PromQLError, parsePromQL } from '../../../src/metrics/promql/index.js';

function parseError(expr: string, opts?: { percentLiterals?: boolean }): PromQLError {
  try {
    parsePromQL(expr, opts);
  } catch (e) {
    if (e instanceof PromQLError) return e;
    throw e;
  }
  throw new Error(`expected ${expr} to be rejected`);
}

/** The scalar a constant expression folds to, for literal tests. */
function literal(e: Expr): number {
  if (e.kind === 'number') return e.value;
  if (e.kind === 'binary' && e.rhs.kind === 'number') return e.rhs.value;
  throw new Error(`not a literal: ${e.kind}`);
}

describe('parsePromQL: syntax errors', () => {
  it('reports where the syntax breaks', () => {
    const e = parseError('sum(rate(x[5m])');
    expect(e.kind).toBe('parse');
    expect(e.message).toBe('unexpected end of input');
    expect(e.position).toEqual({ from: 15, to: 15 });
  });

  it('points at an unexpected token', () => {
    const e = parseError('foo{a="b"} +* bar');
    expect(e.kind).toBe('parse');
    expect(e.position?.from).toBe(12);
  });

  it('names unknown functions', () => {
    const e = parseError('foo_bar(x)');
    expect(e.kind).toBe('parse');
    expect(e.message).toBe('unknown function with name "foo_bar"');
    expect(e.position).toEqual({ from: 0, to: 8 });
  });

  it('rejects regexes that do not compile, and RE2-incompatible ones', () => {
    expect(parseError('x{a=~"(foo"}').kind).toBe('parse');
    expect(parseError('x{a=~"(?=foo)"}').message).toMatch(/invalid or unsupported Perl syntax: `\(\?=`/);
    expect(parseError('label_replace(x, "a", "$1", "b", "(")').message).toMatch(/invalid regular expression/);
  });

  it('rejects offset and @ where Prometheus does', () => {
    expect(parseError('sum(x) offset 5m').message).toMatch(/offset modifier must be preceded by/);
    expect(parseError('x offset 1m offset 2m').message).toBe('offset may not be set multiple times');
    expect(parseError('(x)[5m]').message).toBe('ranges only allowed for vector selectors');
    expect(parseError('x[0s]').message).toBe('duration must be greater than 0');
  });
});

describe('parsePromQL: static type checking', () => {
  it.each([
    ['rate(x)', 'expected type range vector in call to function "rate", got instant vector'],
    ['abs(x[5m])', 'expected type instant vector in call to function "abs", got range vector'],
    ['clamp(x, 1)', 'expected 3 argument(s) in call to "clamp", got 2'],
    ['round(x, 1, 2)', 'expected at most 2 argument(s) in call to "round", got 3'],
    ['x + bool y', 'bool modifier can only be used on comparison operators'],
    ['1 > 2', 'comparisons between scalars must use BOOL modifier'],
    ['x and 1', 'set operator "and" not allowed in binary scalar expression'],
    ['x and on(a) group_left y', 'no grouping allowed for "and" operation'],
    ['x + on(a) group_left(a) y', 'label "a" must not occur in ON and GROUP clause at once'],
    ['{a=""}', 'vector selector must contain at least one non-empty matcher'],
    ['{a=~".*"}', 'vector selector must contain at least one non-empty matcher'],
    ['sum(x[5m])', 'expected type instant vector in aggregation expression, got range vector'],
    ['topk("a", x)', 'expected type scalar in aggregation parameter, got string'],
    ['x[5m] + 1', 'binary expression must contain only scalar and instant vector types'],
    [
      '-x[5m]',
      'unary expression only allowed on expressions of type scalar or instant vector, got "range vector"',
    ],
    ['x{__name__="y"}', 'metric name must not be set twice: "x" or "y"'],
  ])('%s', (expr, message) => {
    const e = parseError(expr);
    expect(e.kind).toBe('type');
    expect(e.message).toBe(message);
    expect(e.position).toBeDefined();
  });

  it('accepts a selector that has one matcher not matching the empty string', () => {
    expect(() => parsePromQL('{a="", b="x"}')).not.toThrow();
    expect(() => parsePromQL('1 > bool 2')).not.toThrow();
  });
});

describe('parsePromQL: unsupported constructs are refused by name', () => {
  it.each([
    ['holt_winters(x[5m], 0.5, 0.5)', 'function holt_winters'],
    ['histogram_count(x)', 'function histogram_count'],
    ['info(x)', 'function info'],
    ['limit_ratio(0.5, x)', 'aggregation limit_ratio'],
    ['x[5m+1m]', 'duration expression'],
    ['rate(x[5m] anchored)', 'anchored modifier'],
    ['x + fill(0) y', 'fill modifier'],
  ])('%s', (expr, construct) => {
    const e = parseError(expr);
    expect(e.kind).toBe('unsupported');
    expect(e.construct).toBe(construct);
    expect(e.position).toBeDefined();
  });
});

describe('parsePromQL: Prometheus precedence where lezer differs', () => {
  it('binds offset, @ and ranges to the operand before them', () => {
    const e = parsePromQL('a + b offset 5m');
    expect(e.kind === 'binary' && e.rhs.kind === 'vectorSelector' && e.rhs.offsetMs).toBe(300_000);
    const at = parsePromQL('-a @ 100');
    expect(at.kind === 'unary' && at.expr.kind === 'vectorSelector' && at.expr.at).toEqual({
      kind: 'time',
      ms: 100_000,
    });
    expect(parseError('a + b[5m]').kind).toBe('type');
  });

  it('reads -1^2 as -(1^2)', () => {
    const e = parsePromQL('-1^2');
    expect(e.kind).toBe('unary');
  });
});

describe('parsePromQL: percent literals', () => {
  const pct = { percentLiterals: true };

  it('reads 80% as the ratio 0.8, keeping positions', () => {
    const e = parsePromQL('cpu_usage > 80%', pct);
    expect(e.kind).toBe('binary');
    expect(literal(e)).toBe(0.8);
    expect(e.kind === 'binary' && e.rhs.pos).toEqual({ from: 12, to: 14 });
  });

  it('accepts a percent before an operator, a keyword, a closing paren or a comma', () => {
    expect(literal(parsePromQL('x > 5%', pct))).toBe(0.05);
    const and = parsePromQL('x > 5% and y', pct);
    expect(and.kind === 'binary' && and.op).toBe('and');
    expect(() => parsePromQL('(x > 95.5%) or y > 1e1%', pct)).not.toThrow();
    expect(() => parsePromQL('clamp_max(x, 50%)', pct)).not.toThrow();
    expect(() => parsePromQL('x > 80% * 2', pct)).not.toThrow();
  });

  it('keeps % as modulo when an operand follows', () => {
    const mod = parsePromQL('a % b', pct);
    expect(mod.kind === 'binary' && mod.op).toBe('%');
    const five = parsePromQL('5 % 2', pct);
    expect(five.kind).toBe('binary');
    const tight = parsePromQL('5%2', pct);
    expect(tight.kind === 'binary' && tight.op).toBe('%');
  });

  it('leaves strings and unset options alone', () => {
    expect(() => parsePromQL('x{a="80%"}', pct)).not.toThrow();
    expect(parseError('x > 80%').kind).toBe('parse');
  });
});

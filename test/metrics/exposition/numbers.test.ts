import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatOpenMetricsFloat, parseFloatAt, parseIntAt } from '../../../src/metrics/exposition/numbers.js';
import { parseExposition } from '../../../src/metrics/exposition/parse.js';

const parse = (s: string) => parseFloatAt(s, 0, s.length);

describe('parseFloatAt', () => {
  it('rounds exactly like Number() for every double written by JavaScript', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (d) => {
        for (const s of [String(d), d.toExponential()]) expect(Object.is(parse(s), Number(s))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with Number() on decimal strings of any length, on both the fast and the slow path', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 25 });
    fc.assert(
      fc.property(digits, digits, fc.integer({ min: -30, max: 30 }), (a, b, e) => {
        for (const s of [a, `${a}.${b}`, `-${a}.${b}e${e}`, `.${b}`, `${a}E+${Math.abs(e)}`]) {
          expect(parse(s)).toBe(Number(s));
          // and the sample reader's own fast path agrees
          expect(parseExposition(`m ${s}\n`).samples[0]!.value).toBe(Number(s));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads only inside the given range', () => {
    expect(parseFloatAt('xx12.5yy', 2, 6)).toBe(12.5);
    expect(parseFloatAt('12', 1, 1)).toBeUndefined();
  });
});

describe('parseIntAt', () => {
  it('reads signed integers in the exact range', () => {
    expect(parseIntAt('-42', 0, 3)).toBe(-42);
    expect(parseIntAt('+42', 0, 3)).toBe(42);
    expect(parseIntAt('9007199254740991', 0, 16)).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseIntAt('9007199254740992', 0, 16)).toBeUndefined();
    for (const bad of ['', '-', '1.0', '1e3', ' 1']) expect(parseIntAt(bad, 0, bad.length)).toBeUndefined();
  });
});

describe('formatOpenMetricsFloat', () => {
  it("writes floats as Prometheus's FormatOpenMetricsFloat does (Go %g, .0 on integers)", () => {
    const cases: [number, string][] = [
      [1, '1.0'],
      [0, '0.0'],
      [-0, '0.0'],
      [-1, '-1.0'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, '+Inf'],
      [Number.NEGATIVE_INFINITY, '-Inf'],
      [0.005, '0.005'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [2.5e-7, '2.5e-07'],
      [10, '10.0'],
      [123456, '123456.0'],
      [1e6, '1e+06'],
      [1234567, '1.234567e+06'],
      [1e21, '1e+21'],
      [1e100, '1e+100'],
      [364.5, '364.5'],
    ];
    for (const [f, s] of cases) expect([f, formatOpenMetricsFloat(f)]).toEqual([f, s]);
  });
});

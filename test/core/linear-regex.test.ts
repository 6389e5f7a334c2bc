import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinearRegexError, linearRegex, requiredLiteral } from '../../src/core/linear-regex.js';

describe('linear-time regexes for text from outside', () => {
  it('runs each pattern on the cheapest engine that stays linear', () => {
    expect(linearRegex('ERROR').engine).toBe('literal');
    expect(linearRegex('ERROR|FATAL').engine).toBe('literal');
    expect(linearRegex('^\\d{4}-\\d\\d').engine).toBe('bounded');
    expect(linearRegex('took \\d{3}ms').engine).toBe('bounded');
    expect(linearRegex('user=(alice|bob)$').engine).toBe('bounded');
    expect(linearRegex('colou?r').engine).toBe('bounded');
    expect(linearRegex('(a|b)(c|d)(e|f)(g|h)(i|j)').engine).toBe('re2'); // 32 ways
    expect(linearRegex('(a+)+$').engine).toBe('re2');
    expect(linearRegex('ERROR.*db').engine).toBe('re2');
    expect(linearRegex('\\d{2,}').engine).toBe('re2');
    expect(linearRegex('(?i)error').engine).toBe('re2');
  });

  it('catastrophic patterns answer at once on hostile text', () => {
    const hostile = `${'a'.repeat(30)}!`;
    for (const p of ['(a+)+$', '(a|aa)+$', '(a*)*b', '(\\w+\\s?)+$', '(.*a){12}$']) {
      const started = performance.now();
      expect(linearRegex(p).test(hostile)).toBe(false);
      expect(linearRegex(p).findLine(`${hostile}\n${hostile}\n`, 0)).toBe(-1);
      expect(performance.now() - started, p).toBeLessThan(200);
    }
    // and on a 1 MiB body, still linear
    const big = `${'a'.repeat(1 << 20)}!`;
    const started = performance.now();
    expect(linearRegex('(a+)+$').test(big)).toBe(false);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('refuses what has no linear-time matcher, saying so', () => {
    for (const p of ['(?=a)b', '(?<!a)b', '(a)\\1', '(?<x>a)\\k<x>']) {
      expect(() => linearRegex(p)).toThrow(LinearRegexError);
      expect(() => linearRegex(p)).toThrow(/lookaround and backreferences are not supported/);
    }
    expect(() => linearRegex('(')).toThrow(LinearRegexError);
    // JavaScript reads these as letters, RE2 as anchors and classes: refused rather than ambiguous
    for (const p of ['\\Aabc', 'abc\\z', '\\pL+', '\\Q.*\\E', '[[:alpha:]]+'])
      expect(() => linearRegex(p), p).toThrow(LinearRegexError);
    expect(linearRegex('\\\\A').test('\\A')).toBe(true); // an escaped backslash, then A
  });

  it('findLine gives the start of each matching line', () => {
    const text = 'a timeout 1\nb refused\r\nc timeout 2\n';
    for (const p of ['timeout', 'timeout|refused', 'timeout [12]$', 't.*t [12]$', '^[bc] ']) {
      const re = linearRegex(p);
      const v8 = new RegExp(p, 'm');
      const want = text
        .split('\n')
        .map((l, i, all) => ({ l, at: all.slice(0, i).join('\n').length + (i ? 1 : 0) }))
        .filter(({ l }) => l && v8.test(l.replace(/\r$/, '')))
        .map(({ at }) => at);
      const got: number[] = [];
      for (let at = re.findLine(text, 0); at >= 0; at = re.findLine(text, text.indexOf('\n', at) + 1)) {
        got.push(at);
        if (text.indexOf('\n', at) < 0) break;
      }
      expect(got, `${p} on ${re.engine}`).toEqual(want);
    }
  });

  it('answers as V8 does wherever V8 answers (random patterns and texts)', () => {
    const atom = fc.constantFrom('a', 'b', '.', '\\d', '[ab]', '[^a]', 'x', '\\s', '\\w');
    const piece = fc.tuple(atom, fc.constantFrom('', '?', '*', '+', '{2}', '{1,3}')).map(([a, q]) => a + q);
    const seq = fc.array(piece, { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
    const pattern = fc
      .tuple(
        fc.constantFrom('', '^'),
        fc.array(seq, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.constantFrom('', '$'),
      )
      .map(([s, alts, group, e]) => s + (group ? `(${alts.join('|')})` : alts.join('|')) + e);
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'x', '1', ' ', '-'), maxLength: 20 });
    fc.assert(
      fc.property(pattern, text, (p, t) => {
        expect(linearRegex(p).test(t), `${p} on ${JSON.stringify(t)}`).toBe(new RegExp(p).test(t));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the word every match contains (a prefilter before RE2)', () => {
  it('is found outside groups, alternations and optional parts', () => {
    expect(requiredLiteral('timeout after [0-9]+ms')).toBe('timeout after ');
    expect(requiredLiteral('ERROR.*connection refused')).toBe('connection refused');
    expect(requiredLiteral('abcd?e')).toBe('abc');
    expect(requiredLiteral('x{2,3}yyyy\\.log')).toBe('yyyy.log');
    expect(requiredLiteral('(foo|bar)bazz+')).toBe('bazz');
    expect(requiredLiteral('foo|barbaz')).toBeUndefined();
    expect(requiredLiteral('(?i)timeout.*')).toBeUndefined();
    expect(requiredLiteral('ab.*cd')).toBeUndefined();
    // a brace that is no repetition is a character (this once looped for ever: found by the fuzz target)
    expect(requiredLiteral('json{"ok"')).toBe('json{"ok"');
    expect(requiredLiteral('a{')).toBeUndefined();
    expect(linearRegex('.*json{"ok"').test('x json{"ok"}')).toBe(true);
  });

  it('never changes an answer (random patterns with words)', () => {
    const word = fc.constantFrom('err', 'time', 'out', 'abc');
    const piece = fc.oneof(
      word,
      fc.constantFrom('.*', '\\d+', '[a-c]?', '(x|y)', 'o{1,2}', ' ', 'e+', '(?:err)?'),
    );
    const pattern = fc.array(piece, { minLength: 1, maxLength: 5 }).map((p) => p.join(''));
    const text = fc.string({
      unit: fc.constantFrom('e', 'r', 't', 'i', 'm', 'o', 'u', 'a', 'b', 'c', '1', ' ', 'x'),
      maxLength: 24,
    });
    fc.assert(
      fc.property(pattern, fc.array(text, { maxLength: 5 }), (p, lines) => {
        const re = linearRegex(p);
        const v8 = new RegExp(p);
        for (const l of lines) expect(re.test(l), `${p} on ${JSON.stringify(l)}`).toBe(v8.test(l));
        const joined = lines.map((l) => `${l}\n`).join('');
        const want = lines.findIndex((l) => v8.test(l));
        const at = re.findLine(joined, 0);
        expect(at, p).toBe(want < 0 ? -1 : lines.slice(0, want).join('\n').length + (want ? 1 : 0));
      }),
      { numRuns: 2000 },
    );
  });
});

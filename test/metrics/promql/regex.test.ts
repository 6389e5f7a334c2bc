import { describe, expect, it } from 'vitest';
import { instantQuery, MemoryQueryable } from '../../../src/metrics/promql/index.js';
import { compileAnchored } from '../../../src/metrics/promql/regex.js';

const now = Date.UTC(2026, 0, 1);

describe('PromQL regexes are linear time (RE2)', () => {
  it('answers the catastrophic label_replace of issue 16 in well under a second', async () => {
    const q = new MemoryQueryable();
    q.add({ __name__: 'up', check: 'api' }, [{ t: now - 1000, v: 1 }]);
    const started = performance.now();
    const v = await instantQuery(
      q,
      `label_replace(label_join(up,"long","${'a'.repeat(36)}","nonexistent","check"),"x","$1","long","(a+)+$")`,
      now,
    );
    expect(performance.now() - started).toBeLessThan(500);
    // The joined value ends in "api", so the anchored regex does not match and no label is added.
    expect(v).toMatchObject({ type: 'vector', samples: [{ labels: { long: `${'a'.repeat(36)}api` } }] });
  });

  it('matches a nested quantifier against 100,000 characters in linear time', () => {
    const started = performance.now();
    expect(compileAnchored('(a+)+$').test(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(compileAnchored('(a|aa)*b').test(`${'a'.repeat(100_000)}`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('keeps RE2 syntax Prometheus users write: anchoring, dot-all, flags, named groups, \\Q…\\E, POSIX classes', () => {
    expect(compileAnchored('api').test('api-2')).toBe(false);
    expect(compileAnchored('a.b').test('a\nb')).toBe(true);
    expect(compileAnchored('(?i)API').test('api')).toBe(true);
    expect(compileAnchored('x(?i:ab)c').test('xABc')).toBe(true);
    expect(compileAnchored('x(?i:ab)c').test('xABC')).toBe(false);
    expect(compileAnchored('(?P<host>[^:]+):\\d+').exec('db:5432')?.groups?.host).toBe('db');
    expect(compileAnchored('\\Qa.b\\E').test('axb')).toBe(false);
    expect(compileAnchored('[[:digit:]]+\\z').test('123')).toBe(true);
    expect(compileAnchored('\\pL+').test('überall')).toBe(true);
    expect(compileAnchored('[]a]+').test(']a]')).toBe(true);
    expect(() => compileAnchored('(?=a)')).toThrow(/Perl syntax/);
    expect(() => compileAnchored('(a)\\1')).toThrow(/invalid escape/);
  });
});

describe('regexes that need no engine', () => {
  it('answers .*, .+ and alternations of literals exactly as RE2 would', () => {
    const cases: [string, string, boolean][] = [
      ['.*', '', true],
      ['.*', 'a\nb', true],
      ['.+', '', false],
      ['.+', '\n', true],
      ['api|db', 'api', true],
      ['api|db', 'apidb', false],
      ['api|db', 'ap', false],
      ['', '', true],
      ['', 'x', false],
      ['a-b/c', 'a-b/c', true],
      ['api|', '', true],
    ];
    for (const [re, input, want] of cases)
      expect([re, input, compileAnchored(re).test(input)]).toEqual([re, input, want]);
    expect(compileAnchored('api|db').exec('db')?.[0]).toBe('db');
  });
});

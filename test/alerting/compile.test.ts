import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleGroups } from '../../src/alerting/compile.js';
import { expandGlob, ruleGlobLimits } from '../../src/alerting/rule-glob.js';
import { parseConfig } from '../../src/config/loader.js';
import { VigilError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-compile-'));

function problems(vigilYaml: string, ruleFile?: string): string[] {
  if (ruleFile !== undefined) writeFileSync(path.join(dir, 'rules.yml'), ruleFile);
  const file = path.join(dir, 'vigil.yaml');
  try {
    loadRuleGroups(parseConfig(vigilYaml, file, {}));
  } catch (e) {
    expect(e).toBeInstanceOf(VigilError);
    return (e as VigilError).problems.map(
      (p) => `${path.basename(p.where)}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`,
    );
  }
  return [];
}

describe('rule compilation: bad input is a config error with file:line:col', () => {
  it("compiles the guide's alerts with 80% as 0.8", () => {
    const loaded = parseConfig(
      'alerts:\n  - { name: HighCPUUsage, condition: cpu_usage > 80%, duration: 5m, severity: warning }\n',
      path.join(dir, 'vigil.yaml'),
      {},
    );
    const [group] = loadRuleGroups(loaded);
    const rule = group!.rules[0]!;
    expect(rule).toMatchObject({ type: 'alert', name: 'HighCPUUsage', forMs: 300_000 });
    expect(rule.type === 'alert' && rule.labels.severity!.source).toBe('warning');
  });

  it('names invalid PromQL, unknown functions, wrong arity and bad regexes in the guide form', () => {
    const found = problems(
      [
        'alerts:',
        '  - { name: A, condition: "cpu_usage >" }',
        '  - { name: B, condition: "rate_of(x[5m]) > 1" }',
        '  - { name: C, condition: "clamp(x) > 1" }',
        '  - { name: D, condition: "up{job=~\\"(\\"} == 0" }',
      ].join('\n'),
    );
    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(/^vigil\.yaml:2:\d+: invalid PromQL/);
    expect(found[1]).toMatch(/^vigil\.yaml:3:\d+: .*rate_of/);
    expect(found[2]).toMatch(/^vigil\.yaml:4:\d+: .*clamp/);
    expect(found[3]).toMatch(/^vigil\.yaml:5:\d+: .*(regex|regular expression|parenthes)/i);
  });

  it('refuses a duration like "5 mins" and an unknown key at their place', () => {
    const found = problems('alerts:\n  - { name: A, condition: up == 0, duration: 5 mins, severty: page }\n');
    expect(found).toEqual([
      expect.stringMatching(/^vigil\.yaml:2:\d+: alerts\[0\]\.duration: "5 mins" is not a duration/),
      expect.stringMatching(/^vigil\.yaml:2:\d+: unknown key "severty"/),
    ]);
  });

  it('checks Prometheus rule files strictly: unknown fields, record vs alert, repeated groups', () => {
    const found = problems(
      'rule_files: [rules.yml]\n',
      [
        'groups:',
        '  - name: g',
        '    rules:',
        '      - record: job:up',
        '        expr: sum(up)',
        '        for: 5m',
        '      - alert: X',
        '        expr: up',
        '        fro: 5m',
        '  - name: g',
        '    rules: []',
      ].join('\n'),
    );
    expect(found).toEqual([
      expect.stringMatching(/^rules\.yml:6:\d+: .*for is only for alerting rules/),
      expect.stringMatching(/^rules\.yml:9:\d+: unknown key "fro" \(did you mean "for"\?\)/),
      expect.stringMatching(/^rules\.yml:10:\d+: .*groupname: "g" is repeated/),
    ]);
  });

  it('reports duplicate rules and templates that do not parse, with both places', () => {
    const found = problems(
      'rule_files: [rules.yml]\n',
      [
        'groups:',
        '  - name: g',
        '    rules:',
        '      - alert: Down',
        '        expr: up == 0',
        '        labels: { severity: page }',
        '      - alert: Down',
        '        expr: up == 0',
        '        labels: { severity: page }',
        '      - alert: Templ',
        '        expr: up == 0',
        '        annotations: { summary: "{{ $labels.instance " }',
        '      - alert: BadExpr',
        '        expr: sum by (job) up',
      ].join('\n'),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^rules\.yml:7:\d+: duplicate rule "Down" with the same labels \(first at .*rules\.yml:4/,
        ),
        expect.stringMatching(/^rules\.yml:10:\d+: template in "summary" does not parse/),
        expect.stringMatching(/^rules\.yml:14:\d+: invalid PromQL/),
      ]),
    );
    expect(found).toHaveLength(3);
  });

  it('allows the same alert name with different labels, as Prometheus does', () => {
    expect(
      problems(
        'rule_files: [rules.yml]\n',
        'groups:\n  - name: g\n    rules:\n      - { alert: Disk, expr: disk_usage > 0.8, labels: { severity: warning } }\n      - { alert: Disk, expr: disk_usage > 0.95, labels: { severity: critical } }\n',
      ),
    ).toEqual([]);
  });

  it('names a rule file that does not exist', () => {
    expect(problems('rule_files: [missing.yml]\n')).toEqual([
      expect.stringMatching(/rule file missing\.yml does not exist/),
    ]);
  });
});

describe('rule compilation: queries past the limits', () => {
  it('refuses a subquery too fine for query limits in an alert condition and in a rule file', () => {
    const found = problems(
      [
        'rule_files: [rules.yml]',
        'alerts:',
        '  - { name: Greedy, condition: "max_over_time(up[1y:1ms]) > 0", severity: critical }',
        '  - { name: Endless, condition: "sum_over_time(up[999999999999999d:]) > 0", severity: critical }',
      ].join('\n'),
      [
        'groups:',
        '  - name: g',
        '    rules:',
        '      - record: job:x',
        '        expr: count_over_time(vector(1)[1d:1ms])',
      ].join('\n'),
    );
    expect(found).toHaveLength(3);
    for (const p of found) expect(p).toMatch(/query too expensive: .*query\.max_subquery_steps/);
    expect(found[0]).toMatch(/^vigil\.yaml:3:\d+/);
    expect(found[2]).toMatch(/^rules\.yml:5:\d+/);
  });

  it('uses the group interval as the step of a subquery written without one', () => {
    // 1d at the default 30s evaluation interval is 2,880 steps: fine.
    expect(problems('alerts:\n  - { name: Ok, condition: "max_over_time(up[1d:]) > 0" }\n')).toEqual([]);
    expect(
      problems(
        'evaluation_interval: 1s\nalerts:\n  - { name: Fine, condition: "max_over_time(up[1d:]) > 0" }\n',
      ),
    ).toHaveLength(1);
  });
});

describe('rule_files globs are bounded', () => {
  it('refuses a pattern that walks the whole disk, quickly and with the limit named', () => {
    const started = performance.now();
    const found = problems('rule_files: ["/**/*.yml"]\n');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /rule_files pattern \/\*\*\/\*\.yml (read more than 10000 directories|took more than 2000 ms)/,
    );
  });

  it('stops at the directory, time and file limits', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vigil-glob-'));
    for (let i = 0; i < 5; i++) {
      mkdirSync(path.join(root, `d${i}`));
      writeFileSync(path.join(root, `d${i}`, 'r.yml'), 'groups: []\n');
    }
    expect(expandGlob(`${root}/**/*.yml`)).toHaveLength(5);
    expect(() => expandGlob(`${root}/**/*.yml`, { ...ruleGlobLimits, dirs: 3 })).toThrow(
      /read more than 3 directories/,
    );
    expect(() => expandGlob(`${root}/**/*.yml`, { ...ruleGlobLimits, files: 4 })).toThrow(
      /matches 5 files, more than the limit of 4/,
    );
    let t = 0;
    expect(() => expandGlob(`${root}/**/*.yml`, ruleGlobLimits, () => (t += 1000))).toThrow(
      /took more than 2000 ms/,
    );
  });

  it('loads a rule file reached through a symlink loop once', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vigil-loop-'));
    mkdirSync(path.join(root, 'rules'));
    writeFileSync(
      path.join(root, 'rules', 'a.yml'),
      'groups:\n  - name: g\n    rules:\n      - record: job:up\n        expr: up\n',
    );
    symlinkSync(path.join(root, 'rules'), path.join(root, 'rules', 'again'));
    const groups = loadRuleGroups(
      parseConfig('rule_files: ["rules/**/*.yml", "rules/a.yml"]\n', path.join(root, 'vigil.yaml'), {}),
    );
    expect(groups.map((g) => g.name)).toEqual(['g']);
  });
});

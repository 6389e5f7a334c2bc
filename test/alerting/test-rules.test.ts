import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRulesFile } from '../../src/alerting/test-rules.js';

const fixtures = path.resolve('../shared/conformance/prometheus-v3.14.0/promtool');
const haveFixtures = existsSync(fixtures);
if (!haveFixtures) console.warn(`skipping promtool fixtures: ${fixtures} is absent`);

/** Expected exit codes from Prometheus's cmd/promtool/unittest_test.go (see the conformance README). */
const expected: [string, boolean][] = [
  ['unittest.yml', true],
  ['long-period.yml', true],
  ['bad-input-series.yml', false],
  ['bad-promql.yml', false],
  ['bad-rules-syntax-test.yml', false],
  ['bad-rules-error-test.yml', false],
  ['failing.yml', false],
  // Vigil evaluates @ and negative offsets, so these pass as with the features enabled
  ['at-modifier-test.yml', true],
  ['negative-offset-test.yml', true],
  ['no-test-group-interval.yml', true],
  ['start-time-test.yml', true],
];

describe.skipIf(!haveFixtures)("promtool's own rule unit-test fixtures", () => {
  it.each(expected)('%s passes: %s', async (file, ok) => {
    const report = await testRulesFile(path.join(fixtures, file));
    expect(report.ok, report.errors.join('\n')).toBe(ok);
  });

  it('reports why failing.yml fails, in promtool terms', async () => {
    const report = await testRulesFile(path.join(fixtures, 'failing.yml'));
    const text = report.errors.join('\n');
    expect(text).toContain('alertname: InstanceDown, time: 5m');
    expect(text).toMatch(/exp:\[\], \n\s+got:\[/);
  });

  it('says which native-histogram cases it skipped', async () => {
    const report = await testRulesFile(path.join(fixtures, 'unittest.yml'));
    expect(report.unsupported.length).toBeGreaterThan(0);
    expect(report.unsupported.every((u) => u.includes('native histograms'))).toBe(true);
  });
});

describe("the guide's alerts", () => {
  it('fire and resolve on the guide timeline, written exactly as in the guide', async () => {
    const report = await testRulesFile(path.resolve('examples/alerts/guide-alerts.test.yml'));
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('fails a test whose expectation is wrong, naming exp and got', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-rules-'));
    writeFileSync(
      path.join(dir, 'alerts.yaml'),
      'alerts:\n  - { name: HighCPUUsage, condition: cpu_usage > 80%, duration: 5m, severity: warning }\n',
    );
    writeFileSync(
      path.join(dir, 'test.yml'),
      [
        'rule_files: [alerts.yaml]',
        'tests:',
        '  - interval: 1m',
        "    input_series: [{ series: 'cpu_usage{check=\"host\"}', values: '0.9x10' }]",
        '    alert_rule_test:',
        '      - { eval_time: 4m, alertname: HighCPUUsage, exp_alerts: [{ exp_labels: { check: host, severity: warning } }] }',
      ].join('\n'),
    );
    const report = await testRulesFile(path.join(dir, 'test.yml'));
    expect(report.ok).toBe(false);
    expect(report.errors[0]).toContain('alertname: HighCPUUsage, time: 4m');
    expect(report.errors[0]).toContain('got:[]');
  });
});

const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool) console.warn('skipping the promtool differential test: promtool is not installed');

/**
 * Differential: the same timeline through promtool (Debian's 2.42) and Vigil.
 * These cases use instant selectors, `for` and ALERTS only, whose semantics did
 * not change between 2.x and 3.x (range windows became left-open in 3.0, so
 * range-vector cases are not compared here).
 */
describe.skipIf(!promtool)('promtool and vigil agree', () => {
  it.each([
    ['passing timeline', 'guide-alerts.promtool.test.yml', true],
    ['a wrong expectation', 'wrong', false],
  ])('%s', async (_name, file, ok) => {
    let testFile = path.resolve('examples/alerts', file);
    if (file === 'wrong') {
      const dir = mkdtempSync(path.join(tmpdir(), 'vigil-diff-'));
      testFile = path.join(dir, 'wrong.test.yml');
      writeFileSync(
        testFile,
        [
          `rule_files: [${path.resolve('examples/alerts/guide-alerts.rules.yml')}]`,
          'tests:',
          '  - interval: 30s',
          "    input_series: [{ series: 'up{check=\"api\"}', values: '1 0 0 0 0' }]",
          '    alert_rule_test:',
          '      - { eval_time: 1m, alertname: ServiceDown, exp_alerts: [{ exp_labels: { check: api, severity: critical } }] }',
        ].join('\n'),
      );
    }
    let promtoolOk = true;
    try {
      execFileSync('promtool', ['test', 'rules', testFile], { stdio: 'pipe' });
    } catch {
      promtoolOk = false;
    }
    const vigil = await testRulesFile(testFile);
    expect(promtoolOk).toBe(ok);
    expect(vigil.ok).toBe(promtoolOk);
  });
});

import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/runner.js';
import { main } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { runRoutine } from '../../src/routines/runner.js';
import { routineSeries } from '../../src/services/routines.js';
import { openStore } from '../../src/store/store.js';
import { record, writeExport } from '../audit/osv-export.js';
import { captureIo } from '../cli/io.js';

const day = 86_400_000;
// `vigil report` reads the real clock: the fixture data is laid out around it
const now = Date.now();
const monthStart = (t: number) => Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), 1);
const ymd = (t: number) => new Date(t).toISOString().slice(0, 10);
const critical = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

/** `apt-get -s dist-upgrade` as a Debian host with 12 updates waiting, 4 from the security archive, prints it. */
const aptSimulation = [
  ...['libssl3', 'openssl', 'libc6', 'libc-bin'].map(
    (p) => `Inst ${p} [1.0-1] (1.0-1+deb12u1 Debian:12.8/stable, Debian-Security:12/stable-security [amd64])`,
  ),
  ...['curl', 'bash', 'tzdata', 'nano', 'vim', 'less', 'git', 'rsync'].map(
    (p) => `Inst ${p} [2.0-1] (2.0-2 Debian:12.8/stable [amd64])`,
  ),
].join('\n');

/** A legacy AWS CUR: $44 a day last month, $50 a day this month. */
function cur(): string {
  const rows = [
    'lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/CurrencyCode,lineItem/ResourceId,product/ProductName',
  ];
  const thisMonth = monthStart(now);
  for (let t = monthStart(thisMonth - 1); t <= now; t += day) {
    const perDay = t < thisMonth ? 44 : 50;
    rows.push(`${ymd(t)}T00:00:00Z,${perDay * 0.6},USD,i-0db2,Amazon Elastic Compute Cloud`);
    rows.push(`${ymd(t)}T00:00:00Z,${perDay * 0.4},USD,,Amazon Relational Database Service`);
  }
  return `${rows.join('\n')}\n`;
}

/**
 * The "done when": `vigil report weekly` on the example config (examples/routines.yaml,
 * copied beside its fixture data) opens with the lines a team lead reads first.
 */
describe('vigil report weekly on the example config with fixture data', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-reviews-'));
  const config = path.join(dir, 'routines.yaml');
  const env = {
    VIGIL_STORAGE: `sqlite:${path.join(dir, 'vigil.db')}`,
    VIGIL_REBOOT_FILE: path.join(dir, 'reboot-required'),
    VIGIL_TERRAFORM: path.resolve('test/fixtures/terraform/recorded-plan.sh'),
    VULN_SCAN: 'true',
  };
  const saved = { path: process.env.PATH, cwd: process.cwd() };
  const lock = (pkgs: Record<string, string>) =>
    writeFileSync(
      path.join(dir, 'app', 'package-lock.json'),
      JSON.stringify({
        lockfileVersion: 3,
        packages: Object.fromEntries([
          ['', {}],
          ...Object.entries(pkgs).map(([n, v]) => [`node_modules/${n}`, { version: v }]),
        ]),
      }),
    );

  beforeAll(async () => {
    copyFileSync('examples/routines.yaml', config);
    mkdirSync(path.join(dir, 'app'));
    mkdirSync(path.join(dir, 'infra'));
    mkdirSync(path.join(dir, 'billing'));
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin', 'apt-get'), `#!/bin/sh\ncat <<'EOF'\n${aptSimulation}\nEOF\n`);
    chmodSync(path.join(dir, 'bin', 'apt-get'), 0o755);
    process.env.PATH = `${path.join(dir, 'bin')}:${saved.path}`;
    writeFileSync(env.VIGIL_REBOOT_FILE, '*** System restart required ***\n');
    writeFileSync(path.join(dir, 'billing', 'cur-2026-11.csv'), cur());
    writeExport(path.join(dir, 'advisories'), 'npm', [
      record('GHSA-35jh-r3h4-6jhm', 'npm', 'lodash', [{ introduced: '0' }, { fixed: '4.17.21' }], {
        aliases: ['CVE-2021-23337'],
        severity: [{ type: 'CVSS_V3', score: critical }],
        modified: new Date(now - day).toISOString(),
      }),
      record('GHSA-hrpp-h998-j3pp', 'npm', 'qs', [{ introduced: '6.5.0' }, { fixed: '6.5.3' }], {
        aliases: ['CVE-2022-24999'],
        database_specific: { severity: 'HIGH' },
      }),
      record('GHSA-xvch-5gv4-984h', 'npm', 'minimist', [{ introduced: '0' }, { fixed: '1.2.6' }], {
        aliases: ['CVE-2021-44906'],
        database_specific: { severity: 'MODERATE' },
      }),
    ]);

    const loaded = parseConfig(
      await import('node:fs').then((f) => f.readFileSync(config, 'utf8')),
      config,
      env,
    );
    const store = await openStore(env.VIGIL_STORAGE);
    try {
      // last week's run, when the lockfile held none of them
      lock({ lodash: '4.17.21', qs: '6.5.3', minimist: '1.2.8' });
      const weekly = loaded.config.routines.find((r) => r.name === 'weekly')!;
      await runRoutine({ store, loaded }, weekly, { now: now - 7 * day });
      lock({ lodash: '4.17.20', qs: '6.5.2', minimist: '1.2.5' });
      // db-2 idles at 2–4% CPU all week
      const results = [];
      for (let t = now - 7 * day, i = 0; t < now; t += 3_600_000, i++)
        results.push({
          check: 'db-2',
          kind: 'host',
          status: 'ok' as const,
          message: 'cpu 3%',
          startedAt: t,
          durationMs: 2,
          samples: [{ name: 'cpu_usage', labels: { check: 'db-2' }, value: 0.02 + (i % 3) * 0.01 }],
        });
      await store.record(results);
      // the drift check's Monday run, an hour before: terraform's stand-in replays a recorded plan
      process.chdir(dir);
      process.env.PLAN_FIXTURE = path.join(saved.cwd, 'test/fixtures/terraform/drift.jsonl');
      process.env.PLAN_EXIT = '2';
      const infra = loaded.config.checks.find((c) => c.name === 'infra')!;
      const result = await runCheck(infra, {
        clock: new FakeClock(now - 3_600_000),
        heartbeats: { last: async () => undefined },
        memo: () => ({}),
      });
      await store.record([result]);
    } finally {
      process.chdir(saved.cwd);
      delete process.env.PLAN_FIXTURE;
      delete process.env.PLAN_EXIT;
      await store.close();
    }
  }, 60_000);
  afterAll(() => {
    process.env.PATH = saved.path;
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens with the vulnerabilities, the OS updates, the costs and the drift', async () => {
    const c = captureIo(dir, env);
    expect(await main(['node', 'vigil', 'report', 'weekly', '--config', config], c.io)).toBe(0);
    const out = c.stdout();
    if (process.env.VIGIL_REPORT_OUT) writeFileSync(process.env.VIGIL_REPORT_OUT, out);
    const needs = out.slice(out.indexOf('**Needs a look**'), out.indexOf('\n## '));
    expect(needs).toContain(
      '- Vulnerabilities: 3 new vulnerabilities (1 critical: CVE-2021-23337, fixed in 4.17.21) in app/package-lock.json',
    );
    expect(needs).toContain('- OS updates: 12 OS updates pending, 4 security, reboot required (apt)');
    expect(needs).toMatch(
      /- Costs: \$[\d,]+ this month, forecast \$[\d,]+ \([+-]\d+% on last month\); db-2 idle \(p95 CPU 4%\)/,
    );
    expect(needs).toContain('- Drift: 2 resources in infra/');
  });

  it('records each finding as a series for alert rules, labelled with the routine and the step', async () => {
    const loaded = parseConfig(
      await import('node:fs').then((f) => f.readFileSync(config, 'utf8')),
      config,
      env,
    );
    const store = await openStore(env.VIGIL_STORAGE);
    try {
      const weekly = loaded.config.routines.find((r) => r.name === 'weekly')!;
      process.chdir(dir);
      await runRoutine({ store, loaded }, weekly, { now });
      const series = await routineSeries(store, [weekly]);
      const value = (name: string, labels: Record<string, string> = {}) =>
        series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))
          ?.value;
      expect(series.every((s) => s.labels?.routine === 'weekly' && s.labels.step)).toBe(true);
      expect(value('vulnerabilities_open', { severity: 'critical' })).toBe(1);
      expect(value('vulnerabilities_open', { severity: 'high' })).toBe(1);
      expect(value('vulnerabilities_open', { severity: 'medium' })).toBe(1);
      expect(value('vulnerabilities_open', { severity: 'low' })).toBe(0);
      expect(value('vulnerabilities_new')).toBe(3); // none was in last week's run
      expect(value('advisories_age_seconds')).toBeLessThan(2 * 86_400);
      expect(value('os_updates_pending', { step: 'updates' })).toBe(12);
      expect(value('os_security_updates_pending')).toBe(4);
      expect(value('os_reboot_required')).toBe(1);
      expect(value('cost_month_to_date', { currency: 'USD' })).toBeGreaterThan(0);
      expect(value('cost_forecast', { currency: 'USD' })).toBeGreaterThan(value('cost_month_to_date')!);
      // November's $44 a day, plus the priced hosts Vigil observes
      expect(value('cost_last_month', { currency: 'USD' })).toBeGreaterThanOrEqual(44 * 30);
      expect(value('cost_opportunities')).toBeGreaterThanOrEqual(1);
    } finally {
      process.chdir(saved.cwd);
      await store.close();
    }
  });
});

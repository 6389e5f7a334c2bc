import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { reportOf, runRoutine } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';
import { record, writeExport } from './osv-export.js';

const day = 86_400_000;
const monday = Date.UTC(2026, 10, 30, 8);
const critical = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

describe('the vulnerabilities step', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-vuln-step-'));
  let store: Store;
  const lock = (pkgs: Record<string, string>) => {
    mkdirSync(path.join(dir, 'app'), { recursive: true });
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
  };
  const yaml = `routines:
  - name: weekly
    cron: "0 8 * * 1"
    steps:
      - vulnerabilities:
          paths: [app]
          ignore:
            - { id: GHSA-ignored, reason: "dev tool only, never shipped", until: "2027-06-30" }
`;
  const loaded = () => {
    writeFileSync(path.join(dir, 'vigil.yaml'), yaml);
    return parseConfig(yaml, path.join(dir, 'vigil.yaml'), {});
  };
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    writeExport(path.join(dir, 'advisories'), 'npm', [
      record('GHSA-35jh-r3h4-6jhm', 'npm', 'lodash', [{ introduced: '0' }, { fixed: '4.17.21' }], {
        aliases: ['CVE-2021-23337'],
        severity: [{ type: 'CVSS_V3', score: critical }],
        modified: new Date(monday - day).toISOString(),
      }),
      record('GHSA-minimist', 'npm', 'minimist', [{ introduced: '0' }, { fixed: '1.2.6' }], {
        database_specific: { severity: 'MODERATE' },
      }),
      record('GHSA-qs', 'npm', 'qs', [{ introduced: '0' }, { fixed: '6.5.3' }], {
        database_specific: { severity: 'HIGH' },
      }),
      record('GHSA-old', 'npm', 'debug', [{ introduced: '0' }, { fixed: '2.6.9' }], {
        database_specific: { severity: 'LOW' },
      }),
      record('GHSA-ignored', 'npm', 'tar', [{ introduced: '0' }, { fixed: '6.1.9' }]),
    ]);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what is new and what was fixed since the last run, and how old the data is', async () => {
    const l = loaded();
    const routine = l.config.routines[0]!;
    lock({ debug: '2.6.0', tar: '6.0.0', left: '1.0.0' });
    const first = await runRoutine({ store, loaded: l }, routine, { now: monday });
    const s1 = (await reportOf(store, first.run.id, monday)).steps[0]!;
    expect(s1.summary).toBe(
      '1 vulnerability (1 low: GHSA-old, fixed in 2.6.9) in app/package-lock.json; 1 ignored',
    );
    expect(s1.status).toBe('attention');

    lock({ lodash: '4.17.20', minimist: '1.2.5', qs: '6.5.2', tar: '6.0.0' });
    const second = await runRoutine({ store, loaded: l }, routine, { now: monday + 7 * day });
    const report = await reportOf(store, second.run.id, monday + 7 * day);
    const s2 = report.steps[0]!;
    expect(`${s2.title}: ${s2.summary}`).toBe(
      'Vulnerabilities: 3 new vulnerabilities (1 critical: CVE-2021-23337, fixed in 4.17.21) in app/package-lock.json; 3 open, 1 fixed since the last run; 1 ignored',
    );
    expect(s2.findings.map((f) => f.text)).toEqual([
      'critical 9.8 CVE-2021-23337 lodash 4.17.20 (fixed in 4.17.21) in app/package-lock.json: lodash is vulnerable (new)',
      'high GHSA-qs qs 6.5.2 (fixed in 6.5.3) in app/package-lock.json: qs is vulnerable (new)',
      'medium GHSA-minimist minimist 1.2.5 (fixed in 1.2.6) in app/package-lock.json: minimist is vulnerable (new)',
      'ignored until 2027-06-30: unknown GHSA-ignored tar 6.0.0 (fixed in 6.1.9) in app/package-lock.json: tar is vulnerable (dev tool only, never shipped)',
      'advisory data from 2026-12-03 (4 days old)',
    ]);
  });

  it('old advisory data needs attention even when nothing is found', async () => {
    const l = loaded();
    lock({ left: '1.0.0' });
    const r = await runRoutine({ store, loaded: l }, l.config.routines[0]!, { now: monday + 30 * day });
    const s = (await reportOf(store, r.run.id, monday + 30 * day)).steps[0]!;
    expect(s.status).toBe('attention');
    expect(s.summary).toMatch(
      /^no new vulnerabilities; 0 open, 3 fixed since the last run; advisory data from 2026-12-03 \(27 days old, older than 7 days: run `vigil advisories update`\)$/,
    );
  });

  it('a missing export fails the step with the path it expected', async () => {
    const l = loaded();
    rmSync(path.join(dir, 'advisories'), { recursive: true });
    lock({ lodash: '4.17.20' });
    const r = await runRoutine({ store, loaded: l }, l.config.routines[0]!, { now: monday + 31 * day });
    const s = (await reportOf(store, r.run.id, monday + 31 * day)).steps[0]!;
    expect(s.status).toBe('failed');
    expect(s.summary).toMatch(
      /^scan incomplete: no advisory data for npm: .*advisories\/npm\/all.zip is missing/,
    );
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/scan.js';
import { cvssScore, severityOf } from '../../src/audit/severity.js';
import { freshness, headline } from '../../src/audit/words.js';
import { record, writeExport } from './osv-export.js';

const now = Date.UTC(2026, 11, 5, 8);
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (rel: string, text: string) => {
  const f = path.join(dir, rel);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text);
};

const critical = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const medium = 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N';

describe('severity from the CVSS vector', () => {
  it('computes base scores of v3.1, v3.0 and v4.0 vectors', () => {
    expect(cvssScore(critical)).toBe(9.8);
    expect(cvssScore(medium)).toBe(4.2);
    expect(cvssScore('CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N')).toBe(5.5);
    expect(cvssScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toBe(9.3);
    expect(cvssScore('not a vector')).toBeUndefined();
  });
  it('takes the highest vector, else the database word, else unknown', () => {
    expect(
      severityOf({
        id: 'x',
        severity: [
          { type: 'CVSS_V3', score: medium },
          { type: 'CVSS_V3', score: critical },
        ],
      }),
    ).toEqual({ severity: 'critical', score: 9.8, vector: critical });
    expect(severityOf({ id: 'x', database_specific: { severity: 'MODERATE' } })).toEqual({
      severity: 'medium',
    });
    expect(severityOf({ id: 'x' })).toEqual({ severity: 'unknown' });
  });
});

describe('a scan of lockfiles against an OSV export the test builds', () => {
  const adv = path.join(dir, 'advisories');
  writeExport(adv, 'npm', [
    record('GHSA-35jh-r3h4-6jhm', 'npm', 'lodash', [{ introduced: '0' }, { fixed: '4.17.21' }], {
      aliases: ['CVE-2021-23337'],
      severity: [{ type: 'CVSS_V3', score: critical }],
      type: 'SEMVER',
    }),
    record('GHSA-p6mc-m468-83gw', 'npm', 'lodash', [{ introduced: '4.0.0' }, { last_affected: '4.17.20' }], {
      aliases: ['CVE-2020-8203'],
      severity: [{ type: 'CVSS_V3', score: medium }],
    }),
    record('GHSA-withdrawn', 'npm', 'lodash', [{ introduced: '0' }], { withdrawn: '2026-01-01T00:00:00Z' }),
    record('GHSA-other', 'npm', 'left-pad', [{ introduced: '0' }]),
    record('GHSA-qs', 'npm', 'qs', [{ introduced: '6.0.0' }, { fixed: '6.5.3' }], {
      aliases: ['CVE-2022-24999'],
      database_specific: { severity: 'HIGH' },
    }),
  ]);
  writeExport(adv, 'PyPI', [
    record('PYSEC-2021-1', 'PyPI', 'Django', [{ introduced: '3.2' }, { fixed: '3.2.1' }], {
      aliases: ['CVE-2021-31542'],
    }),
  ]);
  write(
    'app/package-lock.json',
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { lodash: '4' } },
        'node_modules/lodash': { version: '4.17.20' },
        'node_modules/qs': { version: '6.5.2' },
      },
    }),
  );
  write('api/requirements.txt', 'django==3.2.0\n');

  it('finds each affected package with its severity and first fixed version', async () => {
    const r = await audit({ paths: ['app', 'api'], baseDir: dir, advisoriesDir: adv, now });
    expect(r.errors).toEqual([]);
    expect(r.packages).toBe(3);
    expect(r.findings.map((v) => [v.id, v.cve, v.package, v.severity, v.score, v.fixed, v.file])).toEqual([
      [
        'GHSA-35jh-r3h4-6jhm',
        'CVE-2021-23337',
        'lodash',
        'critical',
        9.8,
        '4.17.21',
        'app/package-lock.json',
      ],
      ['GHSA-qs', 'CVE-2022-24999', 'qs', 'high', undefined, '6.5.3', 'app/package-lock.json'],
      ['GHSA-p6mc-m468-83gw', 'CVE-2020-8203', 'lodash', 'medium', 4.2, undefined, 'app/package-lock.json'],
      ['PYSEC-2021-1', 'CVE-2021-31542', 'django', 'unknown', undefined, '3.2.1', 'api/requirements.txt'],
    ]);
    expect(headline(r, undefined)).toBe(
      '4 vulnerabilities (1 critical: CVE-2021-23337, fixed in 4.17.21) in app/package-lock.json and api/requirements.txt',
    );
    expect(freshness(r, now, 7 * 86_400_000)).toEqual({
      text: 'advisory data from 2026-12-03 (2 days old)',
      stale: false,
    });
    expect(freshness(r, now + 10 * 86_400_000, 7 * 86_400_000)?.stale).toBe(true);
  });

  it('an ignore entry holds until its date, then the finding shows again', async () => {
    const ignore = [{ id: 'CVE-2022-24999', reason: 'qs only parses our own URLs', until: now + 86_400_000 }];
    const r = await audit({ paths: ['app'], baseDir: dir, advisoriesDir: adv, now, ignore });
    expect(r.findings.map((v) => v.id)).not.toContain('GHSA-qs');
    expect(r.ignored.map((v) => [v.id, v.reason])).toEqual([['GHSA-qs', 'qs only parses our own URLs']]);
    const later = await audit({
      paths: ['app'],
      baseDir: dir,
      advisoriesDir: adv,
      now: now + 2 * 86_400_000,
      ignore,
    });
    expect(later.findings.map((v) => v.id)).toContain('GHSA-qs');
    expect(later.expired).toEqual(ignore);
  });

  it('an export cut short is an error, not fewer advisories', async () => {
    const whole = readFileSync(path.join(adv, 'npm', 'all.zip'));
    const cut = path.join(dir, 'cut-advisories');
    mkdirSync(path.join(cut, 'npm'), { recursive: true });
    writeFileSync(path.join(cut, 'npm', 'all.zip'), whole.subarray(0, Math.floor(whole.length * 0.6)));
    const r = await audit({ paths: ['app'], baseDir: dir, advisoriesDir: cut, now });
    expect(r.errors).toEqual([
      `the advisory export ${path.join(cut, 'npm', 'all.zip')} is not a readable zip (no end of central directory: the file is cut short); download it again`,
    ]);
    expect(r.findings).toEqual([]);
  });

  it('an absent export, a corrupt one and a lockfile that does not parse are errors, not a clean scan', async () => {
    write('go/go.sum', 'golang.org/x/net v0.1.0 h1:abc=\n');
    write('broken/package-lock.json', '{ "packages": ');
    const bad = path.join(dir, 'bad-advisories');
    mkdirSync(path.join(bad, 'npm'), { recursive: true });
    writeFileSync(path.join(bad, 'npm', 'all.zip'), 'PK\u0003\u0004 truncated');
    const r = await audit({ paths: ['go', 'broken', 'app'], baseDir: dir, advisoriesDir: bad, now });
    expect(r.findings).toEqual([]);
    expect(r.errors).toHaveLength(3);
    expect(r.errors[0]).toMatch(/^broken\/package-lock.json: does not parse/);
    expect(r.errors.join('\n')).toMatch(/the advisory export .*npm\/all.zip is not a readable zip/);
    expect(r.errors.join('\n')).toMatch(/no advisory data for Go: .*Go\/all.zip is missing/);
  });
});

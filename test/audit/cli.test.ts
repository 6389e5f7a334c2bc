import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../cli/io.js';
import { record, writeExport, zipOf } from './osv-export.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-audit-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const recent = new Date(Date.now() - 86_400_000).toISOString();
const critical = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

const run = async (...args: string[]) => {
  const c = captureIo(dir);
  const code = await main(['node', 'vigil', ...args], c.io);
  return { code, out: c.stdout(), err: c.stderr() };
};

describe('vigil audit', () => {
  beforeAll(() => {
    writeExport(path.join(dir, 'advisories'), 'npm', [
      record('GHSA-35jh-r3h4-6jhm', 'npm', 'lodash', [{ introduced: '0' }, { fixed: '4.17.21' }], {
        aliases: ['CVE-2021-23337'],
        severity: [{ type: 'CVSS_V3', score: critical }],
        modified: recent,
        references: [{ type: 'ADVISORY', url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm' }],
      }),
      record('GHSA-low', 'npm', 'debug', [{ introduced: '0' }, { fixed: '2.6.9' }], {
        database_specific: { severity: 'LOW' },
        modified: recent,
      }),
    ]);
    mkdirSync(path.join(dir, 'app'));
    writeFileSync(
      path.join(dir, 'app', 'package-lock.json'),
      JSON.stringify({
        lockfileVersion: 2,
        packages: {
          '': {},
          'node_modules/lodash': { version: '4.17.20' },
          'node_modules/debug': { version: '2.6.0' },
        },
      }),
    );
  });

  it('prints a table and exits 1 when a finding is at or above --fail-on', async () => {
    const r = await run('audit', 'app');
    expect(r.code).toBe(1);
    expect(r.out.split('\n').slice(0, 3)).toEqual([
      'SEVERITY      ID              PACKAGE  VERSION  FIXED IN  LOCKFILE',
      'critical 9.8  CVE-2021-23337  lodash   4.17.20  4.17.21   app/package-lock.json',
      'low           GHSA-low        debug    2.6.0    2.6.9     app/package-lock.json',
    ]);
    expect(r.out).toContain(
      '2 vulnerabilities (1 critical: CVE-2021-23337, fixed in 4.17.21) in app/package-lock.json',
    );
    expect(r.out).toMatch(/advisory data from \d{4}-\d\d-\d\d \(1 day old\)/);
    expect((await run('audit', 'app', '--fail-on', 'critical')).code).toBe(1);
    const clean = await run('audit', 'app', '--fail-on', 'critical', '--advisories', 'none');
    expect(clean.code).toBe(3);
    expect(clean.err).toMatch(/error: no advisory data for npm/);
  });

  it('--format json for scripts', async () => {
    const r = await run('audit', 'app', '--format', 'json', '--fail-on', 'critical');
    const j = JSON.parse(r.out);
    expect(j.counts).toEqual({ critical: 1, high: 0, medium: 0, low: 1, unknown: 0 });
    expect(j.findings[0]).toMatchObject({
      id: 'GHSA-35jh-r3h4-6jhm',
      package: 'lodash',
      fixed: '4.17.21',
      score: 9.8,
    });
    expect(j.advisories_stale).toBe(false);
    expect(r.code).toBe(1);
  });

  it("--format sarif: SARIF 2.1.0 with a rule per advisory and GitHub's security-severity", async () => {
    const r = await run('audit', 'app', '--format', 'sarif', '--fail-on', 'critical');
    const s = JSON.parse(r.out);
    expect(s.version).toBe('2.1.0');
    expect(s.$schema).toMatch(/sarif-2\.1\.0/);
    const [runOf] = s.runs;
    expect(runOf.tool.driver.name).toBe('Vigil');
    expect(runOf.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual([
      'GHSA-35jh-r3h4-6jhm',
      'GHSA-low',
    ]);
    expect(runOf.tool.driver.rules[0].properties['security-severity']).toBe('9.8');
    expect(runOf.tool.driver.rules[0].helpUri).toBe('https://github.com/advisories/GHSA-35jh-r3h4-6jhm');
    expect(runOf.results[0]).toMatchObject({
      ruleId: 'GHSA-35jh-r3h4-6jhm',
      ruleIndex: 0,
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'app/package-lock.json' } } }],
    });
    expect(runOf.results[1].level).toBe('note');
    expect(runOf.invocations[0].executionSuccessful).toBe(true);
  });

  it('a bad --format or --fail-on is a usage error', async () => {
    expect((await run('audit', '--format', 'xml')).code).toBe(2);
    expect((await run('audit', '--fail-on', 'severe')).code).toBe(2);
  });
});

describe('vigil advisories update, against a local server shaped like the OSV bucket', () => {
  let server: Server;
  let base = '';
  const hits: { url: string; inm: string | undefined }[] = [];
  let mode: 'ok' | 'garbage' | 'error' = 'ok';
  beforeAll(async () => {
    const zip = zipOf([record('GHSA-x', 'npm', 'x', [{ introduced: '0' }])]);
    server = createServer((req, res) => {
      hits.push({ url: req.url ?? '', inm: req.headers['if-none-match'] as string | undefined });
      if (mode === 'error') return res.writeHead(503).end('busy');
      if (req.url !== '/npm/all.zip' && req.url !== '/PyPI/all.zip') return res.writeHead(404).end();
      if (mode === 'ok' && req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/zip', etag: '"v1"' });
      res.end(mode === 'garbage' ? Buffer.from('<html>captive portal</html>') : Buffer.from(zip));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('downloads, then asks with the ETag, and keeps the old data when a download is bad', async () => {
    const r1 = await run('advisories', 'update', '--dir', 'dl', '--ecosystems', 'npm,PyPI', '--url', base);
    expect(r1.code).toBe(0);
    expect(r1.out).toMatch(/^npm: 1 advisories \(\d+ KiB\) in .*dl\/npm\/all.zip/);
    expect(existsSync(path.join(dir, 'dl', 'PyPI', 'all.zip'))).toBe(true);
    const meta = JSON.parse(readFileSync(path.join(dir, 'dl', 'npm', 'fetched.json'), 'utf8'));
    expect(meta).toMatchObject({ url: `${base}/npm/all.zip`, etag: '"v1"' });

    const r2 = await run('advisories', 'update', '--dir', 'dl', '--ecosystems', 'npm', '--url', base);
    expect(r2.out).toBe('npm: unchanged since the last download');
    expect(hits.at(-1)).toEqual({ url: '/npm/all.zip', inm: '"v1"' });

    const before = readFileSync(path.join(dir, 'dl', 'npm', 'all.zip'));
    mode = 'garbage';
    rmSync(path.join(dir, 'dl', 'npm', 'fetched.json'));
    const r3 = await run('advisories', 'update', '--dir', 'dl', '--ecosystems', 'npm', '--url', base);
    expect(r3.code).toBe(3);
    expect(r3.err).toMatch(/^npm: failed: .*npm\/all.zip sent 27 bytes that are not a zip/);
    expect(readFileSync(path.join(dir, 'dl', 'npm', 'all.zip'))).toEqual(before);

    mode = 'error';
    const r4 = await run('advisories', 'update', '--dir', 'dl', '--ecosystems', 'Go', '--url', base);
    expect(r4.err).toMatch(/^Go: failed: .*\/Go\/all.zip answered 503/);
    expect((await run('advisories', 'update', '--ecosystems', 'maven')).code).toBe(2);
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/loader.js';
import { reportOf, runRoutine } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';
import { cycleOf, versionIn } from '../../src/updates/eol.js';
import { captureIo } from '../cli/io.js';

const now = Date.UTC(2026, 11, 5, 8);
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-eol-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Cycles as endoflife.date's /api/<product>.json serves them.
const postgresql = [
  {
    cycle: '17',
    releaseDate: '2024-09-26',
    eol: '2029-11-08',
    latest: '17.2',
    latestReleaseDate: '2024-11-21',
  },
  {
    cycle: '15',
    releaseDate: '2022-10-13',
    eol: '2027-11-11',
    latest: '15.10',
    latestReleaseDate: '2024-11-21',
  },
  {
    cycle: '12',
    releaseDate: '2019-10-03',
    eol: '2024-11-21',
    latest: '12.22',
    latestReleaseDate: '2024-11-21',
  },
];
const nodejs = [
  { cycle: '24', releaseDate: '2025-05-06', eol: '2028-04-30', lts: '2025-10-28', latest: '24.1.0' },
  { cycle: '22', releaseDate: '2024-04-24', eol: '2027-04-30', lts: '2024-10-29', latest: '22.12.0' },
  { cycle: '18', releaseDate: '2022-04-19', eol: '2025-04-30', lts: '2022-10-25', latest: '18.20.8' },
];
const major = process.versions.node.split('.')[0]!;
const nginx = [
  { cycle: '1.27', releaseDate: '2024-05-28', eol: false, latest: '1.27.3' },
  { cycle: '1.26', releaseDate: '2024-04-23', eol: true, latest: '1.26.2' },
];

describe('end-of-life data', () => {
  it('finds the cycle of a version: the longest cycle that is it or a prefix at a dot', () => {
    expect(cycleOf(postgresql, '15.5')?.cycle).toBe('15');
    expect(cycleOf(postgresql, '150.1')).toBeUndefined();
    expect(cycleOf(nginx, '1.27.3')?.cycle).toBe('1.27');
    expect(versionIn('psql (PostgreSQL) 15.5 (Debian 15.5-0+deb12u1)')).toBe('15.5');
    expect(versionIn('v20.19.2')).toBe('20.19.2');
    expect(versionIn('nginx version: nginx/1.24.0')).toBe('1.24.0');
  });
});

describe('the end-of-life step', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    mkdirSync(path.join(dir, 'eol'));
    writeFileSync(path.join(dir, 'eol', 'postgresql.json'), JSON.stringify(postgresql));
    writeFileSync(path.join(dir, 'eol', 'nginx.json'), JSON.stringify(nginx));
    writeFileSync(
      path.join(dir, 'eol', 'nodejs.json'),
      JSON.stringify([...nodejs.filter((c) => c.cycle !== major), { cycle: major, eol: '2099-01-01' }]),
    );
  });
  afterAll(() => store.close());
  const report = async (yaml: string, at = now) => {
    writeFileSync(path.join(dir, 'vigil.yaml'), yaml);
    const l = parseConfig(yaml, path.join(dir, 'vigil.yaml'), {});
    const r = await runRoutine({ store, loaded: l }, l.config.routines[0]!, { now: at });
    return (await reportOf(store, r.run.id, at)).steps[0]!;
  };

  it('"PostgreSQL 15 ends support on 2027-11-11", ended and soon ones need attention', async () => {
    const s = await report(`routines:
  - name: monthly
    cron: "0 9 1 * *"
    steps:
      - end-of-life:
          within: 300d
          products:
            - { product: postgresql, version: "15.5" }
            - { product: postgresql, version: "12.20" }
            - { product: nginx, version: "1.27.3" }
            - { product: nodejs, version: "18.20.4" }
            - { product: nodejs }
`);
    expect(s.findings.map((f) => `${f.status} ${f.text}`)).toEqual([
      'ok PostgreSQL 15 ends support on 2027-11-11, in 340 days (15.5 in use, latest 15.10)',
      'attention PostgreSQL 12 ended support on 2024-11-21 (12.20 in use, latest 12.22)',
      'ok nginx 1.27 has no end-of-life date yet',
      'attention Node.js 18 ended support on 2025-04-30 (18.20.4 in use, latest 18.20.8)',
      // the version of the node running this test, asked with `node --version`
      `ok Node.js ${major} ends support on 2099-01-01, in ${Math.floor((Date.UTC(2099, 0, 1) - now) / 86_400_000)} days`,
    ]);
    expect(s.status).toBe('attention');
    expect(s.summary).toBe(
      'PostgreSQL 12 ended support on 2024-11-21; Node.js 18 ended support on 2025-04-30',
    );
    // for a rule such as `end_of_life_timestamp_seconds - time() < 30 * 86400`; nginx 1.27 has no date
    expect(s.series).toEqual([
      {
        name: 'end_of_life_timestamp_seconds',
        labels: { product: 'postgresql', cycle: '15' },
        value: Date.UTC(2027, 10, 11) / 1000,
      },
      {
        name: 'end_of_life_timestamp_seconds',
        labels: { product: 'postgresql', cycle: '12' },
        value: Date.UTC(2024, 10, 21) / 1000,
      },
      {
        name: 'end_of_life_timestamp_seconds',
        labels: { product: 'nodejs', cycle: '18' },
        value: Date.UTC(2025, 3, 30) / 1000,
      },
      {
        name: 'end_of_life_timestamp_seconds',
        labels: { product: 'nodejs', cycle: String(major) },
        value: Date.UTC(2099, 0, 1) / 1000,
      },
    ]);
  });

  it('missing data or an unknown version fails with what to do, not a clean pass', async () => {
    const s = await report(
      `routines:
  - name: monthly
    cron: "0 9 1 * *"
    steps:
      - end-of-life:
          products: [redis, { product: made-up-tool }]
`,
      now + 86_400_000,
    );
    expect(s.status).toBe('failed');
    expect(s.findings.map((f) => f.text)).toEqual([
      expect.stringMatching(
        /^Redis: no end-of-life data for redis: .*eol\/redis.json is missing \(run `vigil eol update --products redis`\)/,
      ),
      expect.stringMatching(/^made-up-tool: no end-of-life data/),
    ]);
  });
});

describe('vigil eol update, against a local server shaped like endoflife.date', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/api/postgresql.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(postgresql));
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Product not found"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('writes <dir>/<product>.json and says which products failed', async () => {
    const c = captureIo(dir);
    const code = await main(
      ['node', 'vigil', 'eol', 'update', '--products', 'postgresql,nosuch', '--dir', 'dl', '--url', base],
      c.io,
    );
    expect(code).toBe(3);
    expect(c.stdout()).toMatch(/^postgresql: 3 release cycles in .*dl\/postgresql.json$/);
    expect(c.stderr()).toMatch(/^nosuch: failed: .*\/api\/nosuch.json answered 404$/);
    expect(JSON.parse(readFileSync(path.join(dir, 'dl', 'postgresql.json'), 'utf8'))).toEqual(postgresql);
  });
});

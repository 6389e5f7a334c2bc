import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { reportOf, runRoutine } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';

const day = 86_400_000;
const now = Date.UTC(2026, 11, 1, 10);
const at = (daysAgo: number) => new Date(now - daysAgo * day).toISOString();

/** Packuments as the npm registry serves them (GET /<name>, scoped names as @scope%2fname). */
const packuments: Record<string, object> = {
  express: {
    name: 'express',
    'dist-tags': { latest: '5.1.0', next: '5.0.0-beta.3' },
    versions: { '4.18.2': {}, '4.21.2': {}, '5.0.0-beta.3': {}, '5.0.0': {}, '5.1.0': {} },
    time: {
      created: at(4000),
      modified: at(30),
      '4.18.2': at(1000),
      '4.21.2': at(400),
      '5.0.0-beta.3': at(500),
      '5.0.0': at(450),
      '5.1.0': at(240),
    },
  },
  lodash: {
    name: 'lodash',
    'dist-tags': { latest: '4.17.21' },
    versions: { '4.17.20': {}, '4.17.21': {} },
    time: { '4.17.20': at(2200), '4.17.21': at(2000) },
  },
  '@scope/ui': {
    name: '@scope/ui',
    'dist-tags': { latest: '1.4.0' },
    versions: { '1.2.0': {}, '1.3.0': {}, '1.4.0': {} },
    time: { '1.2.0': at(100), '1.3.0': at(60), '1.4.0': at(10) },
  },
  zod: {
    name: 'zod',
    'dist-tags': { latest: '3.23.8' },
    versions: { '3.23.8': {} },
    time: { '3.23.8': at(200) },
  },
};

describe('the outdated step, against a local server speaking the npm registry', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-outdated-'));
  let server: Server;
  let registry = '';
  const asked: string[] = [];
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    server = createServer((req, res) => {
      asked.push(req.url ?? '');
      const name = decodeURIComponent((req.url ?? '/').slice(1));
      const doc = packuments[name];
      if (!doc)
        return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    mkdirSync(path.join(dir, 'app'));
    writeFileSync(
      path.join(dir, 'app', 'package-lock.json'),
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { express: '^4', lodash: '^4', '@scope/ui': '^1', zod: '^3', gone: '^1' } },
          'node_modules/express': { version: '4.18.2' },
          'node_modules/lodash': { version: '4.17.20' },
          'node_modules/@scope/ui': { version: '1.2.0' },
          'node_modules/zod': { version: '3.23.8' },
          'node_modules/gone': { version: '1.0.0' },
          'node_modules/qs': { version: '6.0.0' },
        },
      }),
    );
  });
  afterAll(async () => {
    await store.close();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (at: number) => {
    const yaml = `routines:
  - name: monthly
    cron: "0 10 1 * *"
    steps:
      - outdated: { paths: [app], registry: "${registry}" }
`;
    writeFileSync(path.join(dir, 'vigil.yaml'), yaml);
    const l = parseConfig(yaml, path.join(dir, 'vigil.yaml'), {});
    const r = await runRoutine({ store, loaded: l }, l.config.routines[0]!, { now: at });
    return (await reportOf(store, r.run.id, at)).steps[0]!;
  };

  it('groups direct dependencies as major, minor and patch with how long each is behind', async () => {
    const s = await run(now);
    expect(s.summary).toBe(
      '3 of 5 direct dependencies behind: 1 major, 1 minor, 1 patch; longest lodash 4.17.20 → 4.17.21 (2000 days behind)',
    );
    expect(s.findings.map((f) => `${f.status} ${f.text}`)).toEqual([
      'attention major: express 4.18.2 → 5.1.0 (450 days behind)',
      'ok minor: @scope/ui 1.2.0 → 1.4.0 (60 days behind)',
      'ok patch: lodash 4.17.20 → 4.17.21 (2000 days behind)',
      'attention gone: not in the registry',
    ]);
    expect(s.series).toEqual([
      { name: 'dependencies_outdated', labels: { update: 'major' }, value: 1 },
      { name: 'dependencies_outdated', labels: { update: 'minor' }, value: 1 },
      { name: 'dependencies_outdated', labels: { update: 'patch' }, value: 1 },
    ]);
    // transitive qs is not asked about; the scoped name is encoded as npm does
    expect(asked.sort()).toEqual(['/@scope%2Fui', '/express', '/gone', '/lodash', '/zod']);
  });

  it('answers from the cache within a day, and from the cache with a note when offline', async () => {
    asked.length = 0;
    const again = await run(now + 3_600_000);
    expect(asked).toEqual(['/gone']); // a 404 is not cached
    expect(again.summary).toMatch(/^3 of 5 direct dependencies behind/);

    await new Promise<void>((r) => server.close(() => r()));
    const offline = await run(now + 2 * day);
    expect(offline.summary).toMatch(/\(registry unreachable: from the cache\)$/);
    expect(offline.findings.map((f) => f.text)).toContain(
      `${registry} unreachable: answers are from the cache`,
    );
  });

  it('offline with nothing cached: skipped with a clear note, not "all up to date"', async () => {
    rmSync(path.join(dir, '.vigil-cache'), { recursive: true, force: true });
    const s = await run(now + 3 * day);
    expect(s.status).toBe('skipped');
    expect(s.summary).toBe(`skipped: ${registry} could not be reached and nothing is cached`);
  });
});

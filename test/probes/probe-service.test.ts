import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { Monitor } from '../../src/services/monitor.js';
import { ProbeService, type PushedLocationResult } from '../../src/services/probes.js';
import { WriteBuffer } from '../../src/services/write-buffer.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from '../server/test-app.js';
import { testDatabases } from '../store/databases.js';

const yaml = `
checks:
  - name: api
    http: { url: "http://api.example/health" }
    every: 10s
    labels: { team: web }
    locations: [eu, us, ap]
  - name: us-only
    tcp: { host: db.example, port: 5432 }
    every: 10s
    locations: [us]
  - name: here
    tcp: { host: 127.0.0.1, port: 1 }
status_page:
  groups:
    - { name: Public, checks: [api] }
`;

for (const db of testDatabases) {
  describe(`checks from several locations (${db.name})`, () => {
    const start = Date.parse('2026-12-05T12:00:00Z');
    const clock = new FakeClock(start);
    const loaded = parseConfig(yaml, 'vigil.yaml', {});
    let drop: () => Promise<void>;
    let store: Store;
    let monitor: Monitor;
    let buffer: WriteBuffer;
    let app: ReturnType<typeof testApp>;
    const token: Record<string, string> = {};
    let seq = 0;

    beforeAll(async () => {
      const created = await db.create();
      drop = created.drop;
      store = await openStore(created.url, { now: () => clock.now() });
      buffer = new WriteBuffer({ clock, write: (b, s) => store.record(b, s), onError: () => {} });
      const probes = new ProbeService({
        clock,
        probes: store.probes,
        checks: () => loaded.config.checks,
        recordSamples: (s) => buffer.addSamples(s),
      });
      monitor = new Monitor({
        clock,
        heartbeats: store.heartbeats,
        record: (r) => buffer.add(r),
        concurrency: 4,
        locations: probes,
      });
      app = testApp({ store, clock, config: loaded, monitor, probes, login: true });
      for (const location of ['eu', 'us', 'ap']) {
        const t = await createToken(
          store,
          { name: `${location}-probe`, owner: 't', role: 'probe', expiresAt: null, location },
          start,
        );
        token[location] = `Bearer ${t.token}`;
      }
      token.viewer = `Bearer ${(await createToken(store, { name: 'v', owner: 't', role: 'viewer', expiresAt: null }, start)).token}`;
      // only the checks with locations run here; "here" would probe a real port
      monitor.start(loaded.config.checks.filter((c) => c.locations));
    });
    afterAll(async () => {
      await monitor.stop(0);
      await app.close();
      await store.close();
      await drop();
    });

    const result = (check: string, status: 'ok' | 'critical', at = clock.now()): PushedLocationResult => ({
      seq: ++seq,
      check,
      startedAt: at,
      durationMs: status === 'ok' ? 120 : 3,
      status,
      message: status === 'ok' ? 'HTTP 200' : 'connection refused',
      samples: [
        { name: 'up', labels: { check }, value: status === 'ok' ? 1 : 0 },
        { name: 'check_duration_seconds', labels: { check }, value: 0.12 },
      ],
    });
    const push = (location: string, results: PushedLocationResult[], agent = `${location}-1`) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/probe/results',
        headers: { authorization: token[location]! },
        payload: { agent, version: '1.0.0', hostname: `${location}.example`, buffered: 0, results },
      });
    const verdictAfter = async (ms: number) => {
      await clock.advance(ms);
      await monitor.runner.idle();
      await buffer.flush();
      const [last] = await store.results.list('api', 0, clock.now(), 1);
      return last!;
    };

    it('is up when every location is, and down only when the quorum agrees', async () => {
      for (const l of ['eu', 'us', 'ap'])
        expect((await push(l, [result('api', 'ok')])).json().stored).toBe(1);
      expect(await verdictAfter(10_000)).toMatchObject({ status: 'ok', message: 'up in 3 of 3 locations' });

      await push('eu', [result('api', 'critical')]);
      const degraded = await verdictAfter(10_000);
      expect(degraded).toMatchObject({
        status: 'warning',
        message: 'degraded: failing in eu (1 of 3, quorum 2)',
      });
      // the public status page shows the verdict: degraded, not down and not fine
      const status = await app.inject('/api/v1/status');
      expect(status.json().groups[0].checks[0]).toMatchObject({ name: 'api', state: 'degraded' });

      await push('us', [result('api', 'critical')]);
      expect(await verdictAfter(10_000)).toMatchObject({
        status: 'critical',
        message: 'down in eu, us (2 of 3, quorum 2): connection refused',
      });

      const api = await app.inject({
        url: '/api/v1/checks/api/locations',
        headers: { authorization: token.viewer! },
      });
      expect(api.json()).toMatchObject({
        quorum: 2,
        quorumSpec: 'majority',
        state: 'down',
        failing: ['eu', 'us'],
        locations: [
          { location: 'eu', state: 'down', durationMs: 3 },
          { location: 'us', state: 'down', durationMs: 3 },
          { location: 'ap', state: 'up', durationMs: 120 },
        ],
      });
    });

    it('writes location_up{check,location} per location and up{check} for the verdict alone', async () => {
      const series = async (name: string) =>
        (
          await store.queryable.select(
            [
              { name: '__name__', type: '=', value: name },
              { name: 'check', type: '=', value: 'api' },
            ],
            start,
            clock.now(),
          )
        ).map((s) => [s.labels.location ?? '-', s.points.map((p) => p.v)]);
      expect(await series('up')).toEqual([['-', [1, 1, 0]]]);
      expect((await series('location_up')).sort()).toEqual([
        ['ap', [1]],
        ['eu', [1, 0]],
        ['us', [1, 0]],
      ]);
    });

    it('stores a batch sent twice once', async () => {
      const batch = [result('api', 'ok'), result('api', 'ok', clock.now() + 1)];
      expect((await push('ap', batch)).json()).toMatchObject({ stored: 2, duplicates: 0 });
      expect((await push('ap', batch)).json()).toMatchObject({ stored: 0, duplicates: 2 });
      const rows = await store.probes.history('api', 'ap', start, clock.now() + 1);
      expect(rows).toHaveLength(3);
    });

    it('counts a silent location as unknown, and raises probe_missing for it', async () => {
      const probes = new ProbeService({
        clock,
        probes: store.probes,
        checks: () => loaded.config.checks,
        recordSamples: (s) => buffer.addSamples(s),
      });
      // eu and us recover and keep reporting; ap goes silent
      for (let i = 0; i < 10; i++) {
        await push('eu', [result('api', 'ok')]);
        await push('us', [result('api', 'ok')]);
        await verdictAfter(10_000);
      }
      const [last] = await store.results.list('api', 0, clock.now(), 1);
      expect(last).toMatchObject({ status: 'ok', message: 'up in 2 of 3 locations; no report from ap' });
      const missing = await probes.agents();
      expect(missing.locations).toEqual([
        { location: 'ap', agents: 1, missing: true },
        { location: 'eu', agents: 1, missing: false },
        { location: 'us', agents: 1, missing: false },
      ]);
      const [job] = probes.jobs();
      await job!.run({} as never);
      await buffer.flush();
      const series = await store.queryable.select(
        [{ name: '__name__', type: '=', value: 'probe_missing' }],
        clock.now() - 1,
        clock.now(),
      );
      expect(series.map((s) => [s.labels.location, s.points.at(-1)!.v]).sort()).toEqual([
        ['ap', 1],
        ['eu', 0],
        ['us', 0],
      ]);
      const list = await app.inject({ url: '/api/v1/probes', headers: { authorization: token.viewer! } });
      expect(list.json().agents.map((a: { id: string; state: string }) => `${a.id} ${a.state}`)).toEqual([
        'ap/ap-1 missing',
        'eu/eu-1 reporting',
        'us/us-1 reporting',
      ]);
    });

    it('records nothing while no location reports: no down run in the availability', async () => {
      await verdictAfter(60_000); // every location's newest result is now too old
      const before = await store.results.list('api', 0, clock.now(), 10_000);
      await verdictAfter(60_000);
      const after = await store.results.list('api', 0, clock.now(), 10_000);
      expect(after).toHaveLength(before.length);
      expect(after.filter((r) => r.status === 'unknown')).toEqual([]);
      const view = await app.inject({
        url: '/api/v1/checks/api/locations',
        headers: { authorization: token.viewer! },
      });
      expect(view.json()).toMatchObject({ state: 'unknown', missing: ['eu', 'us', 'ap'] });
      const [row] = await store.rollups.availability(start - 60_000, clock.now() + 1, ['api']);
      // the one verdict that was down, and no more
      expect(row!.runs - row!.up).toBe(1);
    });

    it("sends an agent its location's checks only, with an ETag", async () => {
      const q = '?agent=eu-1&version=1.0.0&hostname=eu.example';
      const first = await app.inject({
        url: `/api/v1/probe/checks${q}`,
        headers: { authorization: token.eu! },
      });
      expect(first.statusCode).toBe(200);
      expect(first.json().checks.map((c: { name: string }) => c.name)).toEqual(['api']);
      expect(first.json().checks[0]).toMatchObject({
        kind: 'http',
        schedule: { type: 'every', everyMs: 10_000 },
        labels: { team: 'web' },
      });
      const again = await app.inject({
        url: `/api/v1/probe/checks${q}`,
        headers: { authorization: token.eu!, 'if-none-match': first.headers.etag as string },
      });
      expect(again.statusCode).toBe(304);
      const us = await app.inject({
        url: '/api/v1/probe/checks?agent=us-1&version=1.0.0&hostname=us.example',
        headers: { authorization: token.us! },
      });
      expect(us.json().checks.map((c: { name: string }) => c.name)).toEqual(['api', 'us-only']);
    });

    it('a probe token reads nothing else and writes only its own checks and their own series', async () => {
      for (const url of [
        '/api/v1/checks',
        '/api/v1/checks/api',
        '/api/v1/checks/api/results',
        '/api/v1/checks/api/locations',
        '/api/v1/probes',
        '/api/v1/users',
        '/api/v1/tokens',
        '/api/v1/alerts',
        '/api/v1/incidents',
        '/api/v1/query?query=up',
        '/api/v1/overview',
        '/api/v1/jobs',
        '/api/v1/no-such-route',
        '/metrics',
      ]) {
        const res = await app.inject({ url, headers: { authorization: token.eu! } });
        expect([url, res.statusCode]).toEqual([url, url === '/metrics' ? 200 : 403]);
      }
      for (const [method, url] of [
        ['POST', '/api/v1/checks/api/external?success=true'],
        ['POST', '/api/v1/silences'],
        ['POST', '/api/v1/auth/logout'],
      ] as const) {
        const res = await app.inject({ method, url, headers: { authorization: token.eu! }, payload: {} });
        if (url !== '/api/v1/auth/logout') expect([url, res.statusCode]).toEqual([url, 403]);
      }
      // eu runs api but not us-only: a result for it is refused, not stored
      const other = await push('eu', [result('us-only', 'critical')]);
      expect(other.json()).toMatchObject({ stored: 0, refused: 1 });
      expect(await store.probes.history('us-only', 'eu', 0, clock.now() + 1)).toEqual([]);
      // a forged series name or a forged check label is dropped or overwritten
      const forged = result('api', 'ok');
      forged.samples.push(
        { name: 'up', labels: { check: 'us-only' }, value: 0 },
        { name: 'probe_missing', labels: { location: 'us' }, value: 1 },
      );
      await push('eu', [forged]);
      await buffer.flush();
      const up = await store.queryable.select(
        [
          { name: '__name__', type: '=~', value: 'up|location_up|probe_missing' },
          { name: 'check', type: '=', value: 'us-only' },
        ],
        start,
        clock.now() + 1,
      );
      expect(up).toEqual([]);
      // the agent number is per location: eu's token cannot touch us's agent
      await push('eu', [result('api', 'ok')], 'us-1');
      const agents = (await store.probes.agents()).map((a) => a.id);
      expect(agents).toContain('eu/us-1');
      expect((await store.probes.agents()).find((a) => a.id === 'us/us-1')!.location).toBe('us');
    });
  });
}

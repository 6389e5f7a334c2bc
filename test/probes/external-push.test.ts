import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { Monitor } from '../../src/services/monitor.js';
import { WriteBuffer } from '../../src/services/write-buffer.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from '../server/test-app.js';

const yaml = `
checks:
  - name: nightly-ci
    external: {}
    labels: { team: build }
  - name: api
    http: { url: "http://127.0.0.1:9/health" }
`;

describe('POST /api/v1/checks/<name>/external', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  const clock = new FakeClock(now);
  let store: Store;
  let buffer: WriteBuffer;
  let app: ReturnType<typeof testApp>;
  let monitor: Monitor;
  const auth: Record<string, string> = {};

  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    const loaded = parseConfig(yaml, 'vigil.yaml', {});
    buffer = new WriteBuffer({ clock, write: (b, s) => store.record(b, s), onError: () => {} });
    monitor = new Monitor({
      clock,
      heartbeats: store.heartbeats,
      record: (r) => buffer.add(r),
      concurrency: 1,
    });
    monitor.start(loaded.config.checks);
    app = testApp({ store, clock, config: loaded, monitor, login: true });
    for (const role of ['viewer', 'operator', 'probe'] as const) {
      const t = await createToken(
        store,
        { name: role, owner: 't', role, expiresAt: null, ...(role === 'probe' ? { location: 'x' } : {}) },
        now,
      );
      auth[role] = `Bearer ${t.token}`;
    }
  });
  afterAll(async () => {
    await monitor.stop(0);
    await app.close();
    await store.close();
  });

  const push = (query: string, who = 'operator') =>
    app.inject({
      method: 'POST',
      url: `/api/v1/checks/nightly-ci/external?${query}`,
      headers: { authorization: auth[who]! },
    });

  it('stores a pushed result like any run: results, latest state, up and duration series', async () => {
    const ok = await push('success=true&duration=1.5s');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, check: 'nightly-ci', status: 'ok' });
    await clock.advance(60_000);
    const failed = await push('success=false&error=tests%20failed%3A%203&duration=250ms');
    expect(failed.json()).toMatchObject({ status: 'critical' });
    await buffer.flush();

    const results = await store.results.list('nightly-ci', 0, clock.now());
    expect(results.map((r) => [r.status, r.message, r.durationMs, r.startedAt])).toEqual([
      ['critical', 'tests failed: 3', 250, now + 60_000 - 250],
      ['ok', 'success reported', 1500, now - 1500],
    ]);
    const list = await app.inject({ url: '/api/v1/checks', headers: { authorization: auth.viewer! } });
    const row = list.json().checks.find((c: { name: string }) => c.name === 'nightly-ci');
    expect(row).toMatchObject({ kind: 'external', status: 'critical', message: 'tests failed: 3' });
    const up = await store.queryable.select(
      [
        { name: '__name__', type: '=', value: 'up' },
        { name: 'check', type: '=', value: 'nightly-ci' },
      ],
      0,
      clock.now() + 1,
    );
    expect(up.map((s) => [s.labels, s.points.map((p) => p.v)])).toEqual([
      [{ __name__: 'up', check: 'nightly-ci', team: 'build' }, [1, 0]],
    ]);
  });

  it('schedules no runs for an external check', () => {
    expect(monitor.runner.list().map((j) => j.id)).toEqual(['check:api']);
  });

  it('refuses a bad push, an unknown or non-external check, and tokens without the right', async () => {
    expect((await push('success=maybe')).statusCode).toBe(400);
    expect((await push('success=true&duration=soon')).statusCode).toBe(400);
    const notExternal = await app.inject({
      method: 'POST',
      url: '/api/v1/checks/api/external?success=true',
      headers: { authorization: auth.operator! },
    });
    expect(notExternal.statusCode).toBe(404);
    expect((await push('success=true', 'viewer')).statusCode).toBe(403);
    expect((await push('success=true', 'probe')).statusCode).toBe(403);
    const anonymous = await app.inject({
      method: 'POST',
      url: '/api/v1/checks/nightly-ci/external?success=true',
    });
    expect(anonymous.statusCode).toBe(401);
  });
});

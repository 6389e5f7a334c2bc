import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { Monitor } from '../../src/services/monitor.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const now = Date.UTC(2026, 10, 27, 12, 0, 0);
const yaml = `
checks:
  - name: api
    http:
      url: http://user:pw@127.0.0.1:1/health
      headers: { Authorization: "Bearer \${API_TOKEN}" }
    labels: { team: web }
  - name: nightly-export
    heartbeat: { period: 1d, grace: 1h }
`;

describe('HTTP API', () => {
  let app: FastifyInstance;
  let store: Store;
  let monitor: Monitor;
  const clock = new FakeClock(now);

  beforeAll(async () => {
    const loaded = parseConfig(yaml, 'vigil.yaml', { API_TOKEN: 'tok-123456' });
    store = await openStore('sqlite::memory:');
    monitor = new Monitor({ clock, heartbeats: store.heartbeats, record: () => {}, concurrency: 4 });
    app = testApp({
      store,
      clock,
      config: loaded,
      monitor,
      onHeartbeat: (name) => monitor.runNow(name),
    });
    monitor.reload(loaded.config.checks);
    await store.record([
      {
        check: 'api',
        kind: 'http',
        status: 'ok',
        message: '200 in 3ms',
        startedAt: now - 2 * 3_600_000,
        durationMs: 3,
        samples: [],
      },
      {
        check: 'api',
        kind: 'http',
        status: 'critical',
        message: 'connect ECONNREFUSED',
        startedAt: now - 60_000,
        durationMs: 1,
        samples: [],
      },
    ]);
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('answers /health with the store state, and 503 when the store is gone', async () => {
    const ok = await app.inject('/health');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'ok', store: 'sqlite' });
    const dead = await openStore('sqlite::memory:');
    const broken = testApp({ store: dead, clock, config: parseConfig('{}', 'x', {}) });
    await dead.close();
    const res = await broken.inject('/health');
    expect(res.statusCode).toBe(503);
    expect(res.json().status).toBe('unavailable');
  });

  it('lists checks with their latest state, never their secrets', async () => {
    const res = await app.inject('/api/v1/checks');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.checks.map((c: { name: string }) => c.name)).toEqual(['api', 'nightly-export']);
    expect(body.checks[0]).toMatchObject({
      kind: 'http',
      status: 'critical',
      message: 'connect ECONNREFUSED',
      labels: { team: 'web' },
      target: 'GET http://user:***@127.0.0.1:1/health',
    });
    const detail = await app.inject('/api/v1/checks/api');
    expect(detail.body).not.toContain('tok-123456');
    expect(detail.body).not.toContain(':pw@');
    expect(detail.json().config.http.headers.Authorization).toBe('***');
  });

  it('returns results in a window and availability over rollups', async () => {
    const all = await app.inject('/api/v1/checks/api/results?from=' + (now - 3 * 3_600_000));
    expect(all.json().results.map((r: { status: string }) => r.status)).toEqual(['critical', 'ok']);
    const recent = await app.inject('/api/v1/checks/api/results');
    expect(recent.json().results).toHaveLength(1);
    const avail = await app.inject('/api/v1/checks/api/availability?window=24h');
    expect(avail.json()).toMatchObject({ check: 'api', window: '24h', availability: 0.5, runs: 2, up: 1 });
    const many = await app.inject('/api/v1/availability?window=90d');
    expect(many.json().checks).toEqual([
      expect.objectContaining({ check: 'api', availability: 0.5 }),
      expect.objectContaining({ check: 'nightly-export', availability: null, runs: 0 }),
    ]);
  });

  it('answers bad requests with a stable error code and a hint', async () => {
    const missing = await app.inject('/api/v1/checks/nope/results');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ code: 'CHECK_NOT_FOUND', hint: expect.any(String) });
    const window = await app.inject('/api/v1/checks/api/availability?window=3d');
    expect(window.statusCode).toBe(400);
    expect(window.json().error.code).toBe('USAGE');
    const time = await app.inject('/api/v1/checks/api/results?from=yesterday');
    expect(time.statusCode).toBe(400);
  });

  it('takes heartbeat pings, judges them at once, and refuses unknown names', async () => {
    const start = await app.inject({ method: 'POST', url: '/api/v1/heartbeat/nightly-export/start' });
    expect(start.json()).toMatchObject({ ok: true, type: 'start' });
    await clock.advance(60_000);
    const fail = await app.inject({
      method: 'POST',
      url: '/api/v1/heartbeat/nightly-export/fail',
      payload: 'pg_dump: connection refused',
      headers: { 'content-type': 'text/plain' },
    });
    expect(fail.json()).toMatchObject({ ok: true, type: 'fail', status: 'critical' });
    expect(monitor.lastResult('nightly-export')?.message).toContain('pg_dump: connection refused');
    const ok = await app.inject('/api/v1/heartbeat/nightly-export');
    expect(ok.json()).toMatchObject({ ok: true, type: 'ok', status: 'ok' });
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/heartbeat/api' });
    expect(unknown.statusCode).toBe(404);
  });

  it('answers PromQL and the metadata calls Grafana makes, in Prometheus API format', async () => {
    await store.record([], [{ name: 'cpu_usage', labels: { check: 'host' }, value: 0.42, ts: now - 30_000 }]);
    const q = await app.inject(`/api/v1/query?query=cpu_usage%20*%20100&time=${now / 1000}`);
    expect(q.json()).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { check: 'host' }, value: [now / 1000, '42'] }] },
    });
    const r = await app.inject(
      `/api/v1/query_range?query=cpu_usage&start=${now / 1000 - 60}&end=${now / 1000}&step=30`,
    );
    expect(r.json().data.result[0].values).toEqual([
      [now / 1000 - 30, '0.42'],
      [now / 1000, '0.42'],
    ]);
    const bad = await app.inject('/api/v1/query?query=rate(cpu_usage)');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect((await app.inject('/api/v1/labels')).json().data).toEqual(
      expect.arrayContaining(['__name__', 'check']),
    );
    expect((await app.inject('/api/v1/label/__name__/values')).json().data).toContain('cpu_usage');
    expect((await app.inject('/api/v1/status/buildinfo')).json().data.revision).toBe('vigil-0.0.0-test');
  });

  it('exposes the latest value of every check series in Prometheus text format', async () => {
    const res = await app.inject('/metrics');
    expect(res.headers['content-type']).toContain('text/plain; version=0.0.4');
    expect(res.body).toContain('# TYPE up gauge');
    expect(res.body).toMatch(/^up\{check="nightly-export"\} 1$/m);
    expect(res.body).toMatch(/^heartbeat_age_seconds\{check="nightly-export"\} 0$/m);
    expect(res.body).not.toContain('tok-123456');
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/auth/users.js';
import type { CheckResult } from '../../src/checks/types.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { VigilError } from '../../src/errors.js';
import { EventHub } from '../../src/services/events.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const hour = 3_600_000;
const day = 86_400_000;
const now = Date.UTC(2026, 10, 27, 12, 30, 0);
const yaml = `
checks:
  - name: api
    http: { url: "http://user:\${API_PASSWORD}@api.internal:3000/health" }
    labels: { tier: public, team: web, service: shop }
  - name: web
    tcp: { host: web.internal, port: 443 }
    labels: { tier: public }
  - name: batch
    heartbeat: { period: 1d, grace: 1h }
    labels: { team: data }
status_page:
  title: Example status
  groups:
    - name: Website
      match: { tier: public }
    - name: Jobs
      checks: [batch]
changes:
  timezone: UTC
  maintenance:
    - name: db-upgrade
      title: Database upgrade
      from: 2026-11-28T03:00
      until: 2026-11-28T05:00
      silence: ['check="api"']
      checks: [api]
`;

const result = (check: string, at: number, status: CheckResult['status'], message = 'fine'): CheckResult => ({
  check,
  kind: check === 'batch' ? 'heartbeat' : check === 'web' ? 'tcp' : 'http',
  status,
  message,
  startedAt: at,
  durationMs: 12,
  samples: [],
});

describe('dashboard API', () => {
  let app: FastifyInstance;
  let store: Store;
  let webRoot: string;
  const clock = new FakeClock(now);
  const events = new EventHub();

  beforeAll(async () => {
    webRoot = mkdtempSync(path.join(tmpdir(), 'vigil-web-'));
    mkdirSync(path.join(webRoot, 'assets'));
    writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>Vigil</title>');
    writeFileSync(path.join(webRoot, 'assets', 'index-abc123.js'), 'console.log(1)');
    const loaded = parseConfig(yaml, 'vigil.yaml', { API_PASSWORD: 's3cret-pw' });
    store = await openStore('sqlite::memory:');
    app = testApp({ store, clock, config: loaded, events, webRoot });
    // api: up for a day, then down in the last hour; web: up; batch: never ran.
    const batch: CheckResult[] = [];
    for (let t = now - 30 * day; t < now - hour; t += hour) batch.push(result('api', t, 'ok'));
    batch.push(result('api', now - 10 * 60_000, 'critical', 'connect ECONNREFUSED 10.0.0.7:3000'));
    batch.push(result('api', now - 5 * 60_000, 'critical', 'connect ECONNREFUSED 10.0.0.7:3000'));
    for (let t = now - 2 * day; t < now; t += hour) batch.push(result('web', t, 'ok'));
    await store.record(batch);
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('answers the overview in one payload: state, 24h sparkline, availability, counts', async () => {
    const res = await app.inject('/api/v1/overview');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.counts).toMatchObject({
      checks: 3,
      ok: 1,
      critical: 1,
      pending: 1,
      firingAlerts: 0,
      openIncidents: 0,
    });
    const api = body.checks.find((c: { name: string }) => c.name === 'api');
    expect(api).toMatchObject({
      status: 'critical',
      message: 'connect ECONNREFUSED 10.0.0.7:3000',
      lastMs: 12,
    });
    expect(api.spark).toHaveLength(25);
    // the hour in progress had two failed runs; the ones before it were up
    expect(api.spark.at(-1)).toBe(0);
    expect(api.spark.at(-3)).toBe(1);
    expect(api.availability).toBeCloseTo(23 / 25, 5);
    const web = body.checks.find((c: { name: string }) => c.name === 'web');
    expect(web.message).toBeUndefined();
    expect(body.checks.find((c: { name: string }) => c.name === 'batch')).toMatchObject({
      status: 'pending',
      availability: null,
      lastAt: null,
    });
  });

  it('answers a check series from rollups, with its failures; refuses an unknown range', async () => {
    // a deploy of the check's service two days ago, and one of another service
    for (const service of ['shop', 'billing']) {
      const c = await store.changes.create({
        title: `release of ${service}`,
        service,
        environment: null,
        version: '2.4.0',
        plannedAt: now - 2 * day,
        window: null,
        rollback: null,
        createdBy: 'ana',
        createdAt: now - 3 * day,
      });
      await store.changes.transition(c.id, ['planned'], 'in_progress', now - 2 * day, {
        kind: 'started',
        text: '',
        actor: 'ana',
      });
    }
    const day7 = (await app.inject('/api/v1/checks/api/series?range=7d')).json();
    expect(day7.deploys).toEqual([
      {
        at: now - 2 * day,
        id: expect.any(Number),
        title: 'release of shop',
        version: '2.4.0',
        status: 'in_progress',
      },
    ]);
    expect((await app.inject('/api/v1/checks/api/series?range=24h')).json().deploys).toEqual([]);
    expect(day7.resolution).toBe('h');
    expect(day7.series.t.length).toBeGreaterThan(160);
    expect(day7.series.t.length).toBe(day7.series.avgMs.length);
    expect(day7.failures).toHaveLength(2);
    expect(day7.failures[0]).toMatchObject({
      status: 'critical',
      message: 'connect ECONNREFUSED 10.0.0.7:3000',
    });
    const d90 = (await app.inject('/api/v1/checks/api/series?range=90d')).json();
    expect(d90.series.t.length).toBeGreaterThanOrEqual(30 * 24 - 1);
    const bad = await app.inject('/api/v1/checks/api/series?range=2y');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('USAGE');
    expect((await app.inject('/api/v1/checks/nope/series')).statusCode).toBe(404);
  });

  it('answers the public status page with chosen groups and no internal details', async () => {
    const res = await app.inject('/api/v1/status');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.title).toBe('Example status');
    expect(body.state).toBe('down');
    expect(
      body.groups.map((g: { name: string; checks: { name: string }[] }) => [
        g.name,
        g.checks.map((c) => c.name),
      ]),
    ).toEqual([
      ['Website', ['api', 'web']],
      ['Jobs', ['batch']],
    ]);
    const api = body.groups[0].checks[0];
    expect(api.state).toBe('down');
    expect(api.days).toHaveLength(90);
    expect(api.days.slice(0, 59).every((d: number | null) => d === null)).toBe(true);
    expect(api.days.at(-2)).toBe(1);
    expect(body.groups[1]).toMatchObject({ state: 'unknown', checks: [{ state: 'unknown', uptime: null }] });
    // declared maintenance shows as scheduled, by title and time only (not what it silences)
    expect(body.maintenance).toEqual([
      {
        name: 'db-upgrade',
        title: 'Database upgrade',
        starts_at: '2026-11-28T03:00:00.000Z',
        ends_at: '2026-11-28T05:00:00.000Z',
        in_progress: false,
      },
    ]);
    // nothing internal: no messages, hosts, targets, labels, secrets
    expect(res.body).not.toMatch(/ECONNREFUSED|10\.0\.0\.7|internal|s3cret|tier|team|http/);
  });

  it('refuses a status page group naming a check that does not exist, with its position', () => {
    const bad = `${yaml.replace('checks: [batch]', 'checks: [batch, nightly]')}`;
    let error: unknown;
    try {
      parseConfig(bad, 'vigil.yaml', { API_PASSWORD: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VigilError);
    const problem = (error as VigilError).problems.find((p) => p.message.includes('nightly'));
    expect(problem?.where).toMatch(/^vigil\.yaml:\d+:\d+$/);
  });

  it('serves the dashboard: hashed assets cached for a year, client routes answered with index.html', async () => {
    const index = await app.inject('/');
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<title>Vigil</title>');
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject('/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    for (const route of ['/checks/api', '/alerts', '/status', '/incidents/3']) {
      const r = await app.inject(route);
      expect([route, r.statusCode, r.body]).toEqual([route, 200, '<!doctype html><title>Vigil</title>']);
    }
    const missingApi = await app.inject('/api/v1/no-such-thing');
    expect(missingApi.statusCode).toBe(404);
    expect(missingApi.json().error.code).toBe('NOT_FOUND');
    expect((await app.inject('/assets/gone-123.js')).statusCode).toBe(404);
  });

  it('streams check, alert and incident events to every listener of /api/v1/events', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.get(`${address}/api/v1/events`, (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.startsWith('retry:') && events.size === 1 && !text.includes('event:')) {
            events.publish({
              type: 'check',
              check: 'api',
              status: 'ok',
              up: true,
              at: now,
              durationMs: 5,
              message: 'HTTP 200',
            });
            events.publish({ type: 'incident', id: 4, at: now });
          }
          if (text.includes('event: incident')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', reject);
    });
    expect(received).toContain(
      `event: check\ndata: ${JSON.stringify({ type: 'check', check: 'api', status: 'ok', up: true, at: now, durationMs: 5, message: 'HTTP 200' })}\n\n`,
    );
    expect(received).toContain('event: incident\ndata: {"type":"incident","id":4');
    // the listener is gone once the browser goes away
    await expect.poll(() => events.size).toBe(0);
  });
});

describe('dashboard API behind login', () => {
  let app: FastifyInstance;
  let store: Store;
  let webRoot: string;
  const clock = new FakeClock(now);

  beforeAll(async () => {
    webRoot = mkdtempSync(path.join(tmpdir(), 'vigil-web-'));
    writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>Vigil</title>');
    const loaded = parseConfig(yaml, 'vigil.yaml', { API_PASSWORD: 'x' });
    store = await openStore('sqlite::memory:');
    app = testApp({ store, clock, config: loaded, login: true, events: new EventHub(), webRoot });
    await addUser(store, 'vic', 'viewer', 'viewer password 1', now);
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('keeps the status page and the dashboard files public, and every data endpoint behind login', async () => {
    expect((await app.inject('/api/v1/status')).statusCode).toBe(200);
    for (const route of ['/', '/checks/api', '/status']) {
      const r = await app.inject(route);
      expect([route, r.statusCode]).toEqual([route, 200]);
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    }
    for (const route of ['/api/v1/overview', '/api/v1/checks/api/series', '/api/v1/events']) {
      const r = await app.inject(route);
      expect([route, r.statusCode]).toEqual([route, 401]);
    }
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { user: 'vic', password: 'viewer password 1' },
    });
    const cookie = login.cookies.find((c) => c.name === 'vigil_session')!;
    const overview = await app.inject({ url: '/api/v1/overview', cookies: { vigil_session: cookie.value } });
    expect(overview.statusCode).toBe(200);
    expect(overview.json().counts.checks).toBe(3);
  });
});

describe('overview sparklines, laid out once per grid read', () => {
  const clock = new FakeClock(now);
  let store: Store;
  let app: FastifyInstance;
  let loaded = parseConfig(
    'checks:\n  - name: api\n    tcp: { host: api.internal, port: 443 }\n',
    'vigil.yaml',
    {},
  );

  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    app = testApp({ store, clock, config: () => loaded });
    await store.record([result('api', now - hour, 'ok'), result('api', now - 5 * 60_000, 'critical')]);
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  const overview = async () =>
    (await app.inject('/api/v1/overview')).json().checks as { name: string; spark: (number | null)[] }[];

  it('moves the sparkline on when the hour turns, and follows a reloaded config', async () => {
    const before = (await overview())[0]!.spark;
    expect(before.slice(-2)).toEqual([1, 0]);
    // the next hour: the hours move one place left even before the grid is read again
    await clock.advance(hour);
    const after = (await overview())[0]!.spark;
    expect(after.slice(-3)).toEqual([1, 0, null]);
    // a reloaded config with a second check: its row has a sparkline of its own, the first keeps its hours
    loaded = parseConfig(
      'checks:\n  - name: web\n    tcp: { host: web.internal, port: 443 }\n  - name: api\n    tcp: { host: api.internal, port: 443 }\n',
      'vigil.yaml',
      {},
    );
    const reloaded = await overview();
    expect(reloaded.map((c) => c.name)).toEqual(['web', 'api']);
    expect(reloaded[0]!.spark.every((x) => x === null)).toBe(true);
    expect(reloaded[1]!.spark.slice(-3)).toEqual([1, 0, null]);
  });

  it('writes a row again when its check has a newer run', async () => {
    const row = async () =>
      (await app.inject('/api/v1/overview')).json().checks.find((c: { name: string }) => c.name === 'api');
    const before = await row();
    expect(before).toMatchObject({ status: 'critical', lastAt: now - 5 * 60_000 });
    await store.record([result('api', clock.now(), 'ok')]);
    await clock.advance(3000);
    // the stored states are re-read in the background once 2 s old: the answer after that read has the run
    let after = await row();
    for (let i = 0; i < 20 && after.lastAt === before.lastAt; i++) after = await row();
    expect(after).toMatchObject({ status: 'ok', lastAt: clock.now() - 3000 });
    expect(after.message).toBeUndefined();
  });

  it('writes labels and messages as JSON strings, whatever they hold', async () => {
    const config = parseConfig(
      'checks:\n  - name: q.1\n    tcp: { host: q.internal, port: 443 }\n    labels: { note: "a \\"b\\" \\\\ c" }\n',
      'vigil.yaml',
      {},
    );
    const message = 'said "no"\nthen \\ left \u2028';
    await store.record([result('q.1', clock.now(), 'critical', message)]);
    // an app of its own: the first overview it answers reads the store
    const fresh = testApp({ store, clock, config });
    try {
      const [row] = (await fresh.inject('/api/v1/overview')).json().checks;
      expect(row).toMatchObject({ name: 'q.1', labels: { note: 'a "b" \\ c' }, status: 'critical', message });
    } finally {
      await fresh.close();
    }
  });
});

describe('compressed answers', () => {
  it('gzips for clients that ask, after secrets are scrubbed, and not for those that do not', async () => {
    const { gunzipSync } = await import('node:zlib');
    const loaded = parseConfig(yaml, 'vigil.yaml', { API_PASSWORD: 's3cret-pw' });
    const store = await openStore('sqlite::memory:');
    const app = testApp({ store, clock: new FakeClock(now), config: loaded, events: new EventHub() });
    try {
      // a probe's error that quotes the secret, as a misbehaving target might
      await store.record([result('api', now - 60_000, 'critical', 'GET answered 401 for user:s3cret-pw')]);
      const plain = await app.inject('/api/v1/overview');
      expect(plain.headers['content-encoding']).toBeUndefined();
      const zipped = await app.inject({ url: '/api/v1/overview', headers: { 'accept-encoding': 'gzip' } });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      const text = gunzipSync(zipped.rawPayload).toString();
      expect(text).not.toContain('s3cret-pw');
      expect(JSON.parse(text).checks.find((c: { name: string }) => c.name === 'api').message).toBe(
        'GET answered 401 for user:***',
      );
      expect(JSON.parse(text)).toEqual(plain.json());
      // small answers are sent as they are
      const small = await app.inject({ url: '/health', headers: { 'accept-encoding': 'gzip' } });
      expect(small.headers['content-encoding']).toBeUndefined();
    } finally {
      await app.close();
      await store.close();
    }
  });
});

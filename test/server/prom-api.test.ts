import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const now = Date.UTC(2026, 10, 27, 12, 0, 0);
const sec = (ms: number) => String(ms / 1000);
const target = { check: 'app', job: 'demo', instance: '127.0.0.1:9100' };

interface Fixture {
  name: string;
  method: 'GET' | 'POST';
  url: string;
  form?: Record<string, string>;
  expect: {
    status: number;
    resultType?: string;
    value?: string;
    series?: number;
    data?: unknown;
    contains?: string[];
    equals?: string[];
    buildinfo?: true;
    metadataHas?: string;
    errorType?: string;
    errorPrefix?: string;
  };
}

describe("Prometheus's read API, as promtool and Grafana call it", () => {
  let app: FastifyInstance;
  let store: Store;
  const clock = new FakeClock(now);
  let viewer: string;

  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    app = testApp({ store, clock, config: parseConfig('{}', 'vigil.yaml', {}), login: true });
    viewer = (await createToken(store, { name: 'grafana', owner: 't', role: 'viewer', expiresAt: null }, now))
      .token;
    const samples = [];
    for (let i = 0; i <= 20; i++) {
      const ts = now - 600_000 + i * 30_000;
      samples.push({ name: 'demo_jobs_total', labels: target, value: i * 3, ts });
      samples.push({ name: 'up', labels: { check: 'app' }, value: 1, ts });
    }
    // a series that only exists an hour from now: outside every range that ends now
    samples.push({
      name: 'later_metric',
      labels: { check: 'app', shard: 'b' },
      value: 1,
      ts: now + 3_600_000,
    });
    await store.record([], samples);
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  const call = (method: 'GET' | 'POST', url: string, form?: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form ?? {})) for (const one of [v].flat()) body.append(k, one);
    return app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${viewer}`,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: body.toString() } : {}),
    });
  };

  const fill = (s: string) =>
    s
      .replaceAll('{{start}}', sec(now - 600_000))
      .replaceAll('{{end}}', sec(now))
      .replaceAll('{{now}}', sec(now));

  const fixtures = JSON.parse(
    readFileSync(new URL('../fixtures/grafana/requests.json', import.meta.url), 'utf8'),
  ) as Fixture[];

  for (const f of fixtures) {
    it(`Grafana: ${f.name}`, async () => {
      const form = f.form && Object.fromEntries(Object.entries(f.form).map(([k, v]) => [k, fill(v)]));
      const res = await call(f.method, fill(f.url), form);
      expect(res.statusCode, res.body).toBe(f.expect.status);
      const body = res.json();
      const e = f.expect;
      if (e.resultType) expect(body.data.resultType).toBe(e.resultType);
      if (e.value) expect(body.data.result[1]).toBe(e.value);
      if (e.series !== undefined) {
        const list = Array.isArray(body.data) ? body.data : body.data.result;
        expect(list).toHaveLength(e.series);
      }
      if (e.data !== undefined) expect(body.data).toEqual(e.data);
      if (e.contains) expect(body.data).toEqual(expect.arrayContaining(e.contains));
      if (e.equals) expect(body.data).toEqual(e.equals);
      if (e.buildinfo) {
        expect(body.data.version).toMatch(/^2\.\d+\.\d+$/);
        expect(body.data).not.toHaveProperty('features');
      }
      if (e.metadataHas)
        expect(body.data[e.metadataHas][0]).toMatchObject({ type: 'gauge', help: expect.any(String) });
      if (e.errorType) expect(body.errorType).toBe(e.errorType);
      if (e.errorPrefix) expect(body.error.startsWith(e.errorPrefix), body.error).toBe(true);
    });
  }

  it('narrows label names and values by match[] and by start/end', async () => {
    const all = await call('GET', '/api/v1/labels');
    expect(all.json().data).toEqual(['__name__', 'check', 'instance', 'job', 'shard']);
    const one = await call('GET', '/api/v1/labels?match[]=up');
    expect(one.json().data).toEqual(['__name__', 'check']);
    const two = await call('GET', '/api/v1/labels?match[]=up&match[]=later_metric');
    expect(two.json().data).toEqual(['__name__', 'check', 'shard']);
    const ended = await call(
      'GET',
      `/api/v1/label/__name__/values?start=${sec(now - 60_000)}&end=${sec(now)}`,
    );
    expect(ended.json().data).toEqual(['demo_jobs_total', 'up']);
    const future = await call('GET', `/api/v1/label/shard/values?start=${sec(now + 60_000)}`);
    expect(future.json().data).toEqual(['b']);
    const past = await call(
      'GET',
      `/api/v1/labels?start=${sec(now - 7_200_000)}&end=${sec(now - 3_600_000)}`,
    );
    expect(past.json().data).toEqual([]);
  });

  it('lists series by match[] in a time range, and needs match[]', async () => {
    const res = await call('POST', '/api/v1/series', {
      'match[]': ['demo_jobs_total', 'later_metric'],
      start: sec(now - 60_000),
      end: sec(now),
    });
    expect(res.json()).toEqual({ status: 'success', data: [{ __name__: 'demo_jobs_total', ...target }] });
    const none = await call('GET', '/api/v1/series');
    expect(none.statusCode).toBe(400);
    expect(none.json()).toEqual({
      status: 'error',
      errorType: 'bad_data',
      error: 'no match[] parameter provided',
    });
    const bad = await call('GET', '/api/v1/series?match[]=sum(up)');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/^invalid parameter "match\[\]": /);
  });

  it("answers parse errors in Prometheus's form, with line and column", async () => {
    const res = await call('GET', `/api/v1/query?query=${encodeURIComponent('up + )')}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      status: 'error',
      errorType: 'bad_data',
      error: expect.stringMatching(/^invalid parameter "query": 1:6: parse error: /),
    });
    const second = await call('POST', '/api/v1/query', { query: 'up\n  + )' });
    expect(second.json().error).toMatch(/^invalid parameter "query": 2:5: parse error: /);
    const typed = await call('POST', '/api/v1/query', { query: 'rate(up)' });
    expect(typed.json().error).toMatch(/^invalid parameter "query": 1:\d+: parse error: .*range vector/);
    const step = await call('POST', '/api/v1/query_range', { query: 'up', start: '1', end: '2', step: '0' });
    expect(step.json().error).toMatch(/^invalid parameter "step": zero or negative/);
    const time = await call('POST', '/api/v1/query', { query: 'up', time: 'yesterday' });
    expect(time.json().error).toBe('invalid parameter "time": cannot parse "yesterday" to a valid timestamp');
  });

  it("accepts the guide's percent form in queries, leaving modulo alone", async () => {
    const pct = await call('POST', '/api/v1/query', { query: 'up > 5%', time: sec(now) });
    expect(pct.json().data.result).toEqual([
      { metric: { __name__: 'up', check: 'app' }, value: [now / 1000, '1'] },
    ]);
    const mod = await call('POST', '/api/v1/query', { query: '7 % 4', time: sec(now) });
    expect(mod.json().data.result[1]).toBe('3');
  });

  it("takes the token as a Basic auth password, as promtool sends a URL's user:password", async () => {
    const basic = (userPass: string) =>
      app.inject({
        url: '/api/v1/labels',
        headers: { authorization: `Basic ${Buffer.from(userPass).toString('base64')}` },
      });
    expect((await basic(`promtool:${viewer}`)).statusCode).toBe(200);
    expect((await basic('promtool:vigil_nope_nope')).statusCode).toBe(401);
    expect((await basic(`${viewer}:`)).statusCode).toBe(401);
  });

  it('lets a viewer read by POST, and answers an unknown route 404 whatever the method', async () => {
    for (const url of ['/api/v1/labels', '/api/v1/series?match[]=up', '/api/v1/query?query=up']) {
      expect((await call('POST', url)).statusCode, url).toBe(200);
    }
    expect((await call('POST', '/api/v1/no-such-route')).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/no-such-route')).statusCode).toBe(404);
    // reads stay reads: a viewer still may not act
    const silence = await app.inject({
      method: 'POST',
      url: '/api/v1/silences',
      headers: { authorization: `Bearer ${viewer}` },
      payload: { matchers: ['alertname="X"'], duration: '1h', comment: 'x' },
    });
    expect(silence.statusCode).toBe(403);
  });
});

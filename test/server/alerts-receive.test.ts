import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { parseConfig } from '../../src/config/loader.js';
import type { ActiveAlert } from '../../src/core/alert-state.js';
import { FakeClock } from '../../src/core/clock.js';
import { ExternalAlerts, externalGroup } from '../../src/services/external-alerts.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const now = Date.UTC(2026, 10, 27, 12, 0, 0);

describe("alerts in, in Alertmanager's API v2 and webhook shapes", () => {
  let app: FastifyInstance;
  let store: Store;
  const clock = new FakeClock(now);
  const seen: { ts: number; alerts: ActiveAlert[] }[] = [];
  const tokens: Record<string, string> = {};
  const last = () => seen.at(-1)!.alerts;

  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    const externalAlerts = new ExternalAlerts({
      clock,
      observe: (group, ts, alerts) => {
        expect(group).toBe(externalGroup);
        seen.push({ ts, alerts: [...alerts.values()] });
      },
    });
    app = testApp({ store, clock, config: parseConfig('{}', 'vigil.yaml', {}), login: true, externalAlerts });
    for (const role of ['viewer', 'operator'] as const) {
      tokens[role] = (await createToken(store, { name: role, owner: 't', role, expiresAt: null }, now)).token;
    }
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  const post = (url: string, payload: unknown, role = 'operator') =>
    app.inject({
      method: 'POST',
      url,
      payload: payload as object,
      headers: { authorization: `Bearer ${tokens[role]}` },
    });

  it('takes Prometheus alerts, dedups them by fingerprint, and resolves them at endsAt with no request', async () => {
    const alert = { labels: { alertname: 'DiskFull', instance: 'db-1' }, annotations: { summary: 'disk' } };
    const ends = new Date(now + 60_000).toISOString();
    expect(
      (await post('/api/v2/alerts', [{ ...alert, startsAt: new Date(now).toISOString(), endsAt: ends }]))
        .statusCode,
    ).toBe(200);
    await clock.advance(10_000);
    expect(
      (await post('/api/v2/alerts', [{ ...alert, endsAt: new Date(now + 70_000).toISOString() }])).statusCode,
    ).toBe(200);
    expect(last()).toEqual([
      expect.objectContaining({ state: 'firing', activeAt: now, labels: alert.labels }),
    ]);
    await clock.advance(60_000);
    expect(last()).toEqual([expect.objectContaining({ state: 'inactive', resolvedAt: now + 70_000 })]);
    await clock.advance(1000);
    expect(
      (
        await app.inject({ url: '/api/v1/alerts', headers: { authorization: `Bearer ${tokens.viewer}` } })
      ).json().data.alerts,
    ).toEqual([]);
  });

  it('without endsAt an alert lasts resolve_timeout (5m), as in Alertmanager', async () => {
    const t0 = clock.now();
    await post('/api/v2/alerts', [{ labels: { alertname: 'Quiet' } }]);
    await clock.advance(299_000);
    expect(last().find((a) => a.labels.alertname === 'Quiet')?.state).toBe('firing');
    await clock.advance(2000);
    expect(last().find((a) => a.labels.alertname === 'Quiet')).toMatchObject({
      state: 'inactive',
      resolvedAt: t0 + 300_000,
    });
  });

  it('refuses what Alertmanager refuses, and a viewer', async () => {
    expect((await post('/api/v2/alerts', [{ labels: {} }])).json()).toEqual({
      code: 400,
      message: 'alert 0: at least one label pair required',
    });
    expect((await post('/api/v2/alerts', { labels: { a: 'b' } })).statusCode).toBe(400);
    expect((await post('/api/v2/alerts', [{ labels: { a: 'b' } }], 'viewer')).statusCode).toBe(403);
  });

  it('takes an Alertmanager webhook (v4): firing stays until resolved arrives', async () => {
    const body = (status: string, endsAt: string) => ({
      version: '4',
      groupKey: '{}:{alertname="Hook"}',
      status,
      receiver: 'vigil',
      groupLabels: { alertname: 'Hook' },
      commonLabels: { alertname: 'Hook' },
      commonAnnotations: {},
      externalURL: 'http://am:9093',
      alerts: [
        {
          status,
          labels: { alertname: 'Hook' },
          annotations: {},
          startsAt: new Date(clock.now()).toISOString(),
          endsAt,
          generatorURL: '',
          fingerprint: 'x',
        },
      ],
    });
    expect((await post('/api/v1/alerts/webhook', body('firing', '0001-01-01T00:00:00Z'))).statusCode).toBe(
      200,
    );
    await clock.advance(3_600_000);
    expect(last().find((a) => a.labels.alertname === 'Hook')?.state).toBe('firing');
    const at = new Date(clock.now()).toISOString();
    await post('/api/v1/alerts/webhook', body('resolved', at));
    expect(last().find((a) => a.labels.alertname === 'Hook')).toMatchObject({
      state: 'inactive',
      resolvedAt: Date.parse(at),
    });
    expect((await post('/api/v1/alerts/webhook', { version: '3', alerts: [] })).statusCode).toBe(400);
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const now = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('silences, incidents and notifications API', () => {
  let app: FastifyInstance;
  let store: Store;
  const clock = new FakeClock(now);

  beforeAll(async () => {
    const loaded = parseConfig('', 'vigil.yaml', {});
    store = await openStore('sqlite::memory:');
    app = testApp({ store, clock, config: loaded });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('creates, lists and expires a silence', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/silences',
      payload: { matchers: ['alertname="DiskFull"'], duration: '2h', createdBy: 'ana', comment: 'resize' },
    });
    expect(created.statusCode).toBe(201);
    const s = created.json();
    expect(s).toMatchObject({ state: 'active', endsAt: new Date(now + 7_200_000).toISOString() });
    const list = (await app.inject('/api/v1/silences')).json();
    expect(list.silences.map((x: { id: string }) => x.id)).toEqual([s.id]);
    const expired = await app.inject({ method: 'DELETE', url: `/api/v1/silences/${s.id}` });
    expect(expired.json().state).toBe('expired');
    expect((await app.inject('/api/v1/silences')).json().silences).toEqual([]);
    expect((await app.inject('/api/v1/silences?all=true')).json().silences).toHaveLength(1);
  });

  it('answers bad input with 400 and a code; unknown ids with 404', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/silences',
      payload: { matchers: ['a=~".*"'], duration: '1h', createdBy: 'x', comment: 'y' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/every alert/) });
    const missing = await app.inject({ method: 'POST', url: '/api/v1/silences', payload: { matchers: [] } });
    expect(missing.statusCode).toBe(400);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/silences/nope' })).statusCode).toBe(404);
    expect((await app.inject('/api/v1/incidents/999')).statusCode).toBe(404);
    expect((await app.inject('/api/v1/notifications/nope')).statusCode).toBe(404);
  });

  it('acknowledges and resolves an incident, and reports MTTA/MTTR', async () => {
    const i = await store.incidents.open({
      key: 'k',
      title: 'API down',
      severity: 'critical',
      alert: 'a',
      at: now - 600_000,
    });
    const ack = await app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${i.id}/ack`,
      payload: { by: 'ana' },
    });
    expect(ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'ana' });
    expect(
      (await app.inject({ method: 'POST', url: `/api/v1/incidents/${i.id}/ack`, payload: {} })).statusCode,
    ).toBe(400);
    await clock.advance(600_000);
    await app.inject({ method: 'POST', url: `/api/v1/incidents/${i.id}/resolve`, payload: { by: 'bo' } });
    const detail = (await app.inject(`/api/v1/incidents/${i.id}`)).json();
    expect(detail.timeline.map((e: { kind: string }) => e.kind)).toEqual([
      'opened',
      'acknowledged',
      'resolved',
    ]);
    const stats = (await app.inject('/api/v1/incidents/stats')).json();
    expect(stats).toMatchObject({ incidents: 1, open: 0, mttaSeconds: 600, mttrSeconds: 1200 });
    expect((await app.inject('/api/v1/incidents')).json().incidents).toEqual([]);
  });
});

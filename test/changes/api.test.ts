import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from '../server/test-app.js';

// Thursday 2026-11-26 22:30 Berlin: inside weeknights.
const start = Date.parse('2026-11-26T21:30:00Z');

const loaded = parseConfig(
  `checks:
  - { name: db, tcp: { host: 127.0.0.1, port: 1 }, labels: { service: orders } }
changes:
  timezone: Europe/Berlin
  windows:
    - { name: weeknights, allow: { cron: "0 22 * * 1-4", duration: 4h } }
  freezes:
    - { name: holidays, from: 2026-12-20, until: 2027-01-04 }
  maintenance:
    - name: db-upgrade
      title: Database upgrade
      from: 2026-11-27T03:00
      until: 2026-11-27T05:00
      silence: ['check="db"']
      checks: [db]
`,
  'vigil.yaml',
  {},
);

describe('changes over HTTP', () => {
  let app: FastifyInstance;
  let store: Store;
  const clock = new FakeClock(start);
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    app = testApp({ store, clock, config: loaded, login: true });
    for (const role of ['viewer', 'operator', 'admin'] as const)
      tokens[role] = (
        await createToken(store, { name: `ci-${role}`, owner: 't', role, expiresAt: null }, start)
      ).token;
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });
  const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

  it('plans, starts and finishes a change, and lists it as a deploy marker', async () => {
    const denied = await app.inject({
      method: 'POST',
      url: '/api/v1/changes',
      headers: as('viewer'),
      payload: {},
    });
    expect(denied.statusCode).toBe(403);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/changes',
      headers: as('operator'),
      payload: { title: 'x', service: 'orders', at: '2026-11-26T21:40:00Z', rollback: { target: 'v1' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('the rollback plan needs steps: a list of commands');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/changes',
      headers: as('operator'),
      payload: {
        title: 'orders v2',
        service: 'orders',
        version: 'v2.0.0',
        at: '2026-11-26T21:40:00Z',
        rollback: {
          target: 'v1.9.0',
          steps: ['./deploy v1.9.0'],
          data: 'none',
          verify: ['true'],
          owner: 'ann',
          budget: '10m',
        },
      },
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().id as number;
    expect(res.json()).toMatchObject({ status: 'planned', created_by: 'token:ci-operator' });
    await clock.advance(10 * 60_000);
    expect(
      (await app.inject({ method: 'POST', url: `/api/v1/changes/${id}/start`, headers: as('operator') }))
        .statusCode,
    ).toBe(200);
    await clock.advance(5 * 60_000);
    const fin = await app.inject({
      method: 'POST',
      url: `/api/v1/changes/${id}/finish`,
      headers: as('operator'),
      payload: { status: 'ok' },
    });
    expect(fin.json()).toMatchObject({
      status: 'ok',
      started_at: '2026-11-26T21:40:00.000Z',
      finished_at: '2026-11-26T21:45:00.000Z',
    });
    const markers = await app.inject({
      url: '/api/v1/changes?from=2026-11-26T21:00:00Z&to=2026-11-26T22:00:00Z&service=orders',
      headers: as('viewer'),
    });
    expect(markers.json().changes).toEqual([
      expect.objectContaining({
        id,
        started_at: '2026-11-26T21:40:00.000Z',
        finished_at: '2026-11-26T21:45:00.000Z',
      }),
    ]);
    const none = await app.inject({
      url: '/api/v1/changes?from=2026-11-25T00:00:00Z&to=2026-11-25T23:00:00Z',
      headers: as('viewer'),
    });
    expect(none.json().changes).toEqual([]);
    // times as every API route takes them: ISO 8601 or epoch milliseconds; anything else is a 400
    const epoch = await app.inject({
      url: `/api/v1/changes?from=${Date.parse('2026-11-26T21:00:00Z')}&to=${Date.parse('2026-11-26T22:00:00Z')}`,
      headers: as('viewer'),
    });
    expect(epoch.json().changes.map((c: { id: number }) => c.id)).toEqual([id]);
    const badTime = await app.inject({ url: '/api/v1/changes?from=yesterday', headers: as('viewer') });
    expect(badTime.statusCode).toBe(400);
    expect(badTime.json().error).toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('from is neither'),
    });
    const one = await app.inject({ url: `/api/v1/changes/${id}`, headers: as('viewer') });
    expect(one.json().timeline.map((e: { kind: string }) => e.kind)).toEqual([
      'planned',
      'started',
      'finished',
    ]);
    expect((await app.inject({ url: '/api/v1/changes/999', headers: as('viewer') })).statusCode).toBe(404);
  });

  it('the gate: 200 allowed, 409 denied with reasons, overrides only with change.override', async () => {
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/changes/gate',
      headers: as('viewer'),
      payload: { service: 'orders' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ allowed: true, decided_at: new Date(clock.now()).toISOString() });
    const frozen = { service: 'orders', at: '2026-12-23T21:30:00Z' };
    const no = await app.inject({
      method: 'POST',
      url: '/api/v1/changes/gate',
      headers: as('viewer'),
      payload: frozen,
    });
    expect(no.statusCode).toBe(409);
    expect(no.json()).toMatchObject({ allowed: false, reasons: [{ kind: 'freeze', name: 'holidays' }] });
    const deferred = await app.inject({
      method: 'POST',
      url: '/api/v1/changes/gate',
      headers: as('viewer'),
      payload: { service: 'orders', defer: true, at: '2026-11-27T12:00:00Z' },
    });
    expect(deferred.statusCode).toBe(202);
    expect(deferred.json()).toMatchObject({ state: 'deferred', next_open_at: '2026-11-30T21:00:00.000Z' });
    expect(Number(deferred.headers['retry-after'])).toBe(
      (Date.parse('2026-11-30T21:00:00Z') - clock.now()) / 1000,
    );
    const override = { ...frozen, override: true, reason: 'security fix' };
    const op = await app.inject({
      method: 'POST',
      url: '/api/v1/changes/gate',
      headers: as('operator'),
      payload: override,
    });
    expect(op.statusCode).toBe(403);
    const admin = await app.inject({
      method: 'POST',
      url: '/api/v1/changes/gate',
      headers: as('admin'),
      payload: override,
    });
    expect(admin.statusCode).toBe(200);
    expect(admin.json().override).toEqual({ by: 'token:ci-admin', via: 'token', reason: 'security fix' });
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/changes/gate',
      headers: as('viewer'),
      payload: { service: 'x' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('SERVICE_NOT_FOUND');
    expect((await app.inject({ method: 'POST', url: '/api/v1/changes/gate', payload: {} })).statusCode).toBe(
      401,
    );
  });

  it('scheduled maintenance is public and shows no internals', async () => {
    const res = await app.inject('/api/v1/changes/maintenance');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      maintenance: [
        {
          name: 'db-upgrade',
          title: 'Database upgrade',
          starts_at: '2026-11-27T02:00:00.000Z',
          ends_at: '2026-11-27T04:00:00.000Z',
          in_progress: false,
        },
      ],
    });
  });

  it('availability reports maintenance apart', async () => {
    const t = Date.parse('2026-11-27T01:30:00Z');
    await store.record(
      [0, 1, 2, 3].map((i) => ({
        check: 'db',
        kind: 'tcp',
        status: i === 0 ? ('ok' as const) : ('critical' as const),
        message: '',
        startedAt: t + i * 30 * 60_000,
        durationMs: 1,
        samples: [],
      })),
    );
    const res = await app.inject({
      url: '/api/v1/changes/maintenance/availability?check=db&from=2026-11-27T00:00:00Z&to=2026-11-27T06:00:00Z',
      headers: as('viewer'),
    });
    expect(res.json()).toMatchObject({ up: 1, down: 0, maintenance: 3, ratio_excluding_maintenance: 1 });
    expect(
      (
        await app.inject({
          url: '/api/v1/changes/maintenance/availability?check=nope',
          headers: as('viewer'),
        })
      ).statusCode,
    ).toBe(404);
  });
});

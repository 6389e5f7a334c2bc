import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { runRoutine } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from '../server/test-app.js';

const start = Date.UTC(2026, 10, 27, 8, 0, 0);
const yaml = `
checks:
  - name: api
    tcp: { host: 127.0.0.1, port: 9 }
routines:
  - name: daily
    cron: "0 8 * * *"
    steps:
      - checks: "*"
      - name: review
        manual: "Review the dashboards"
        due: 1h
`;

describe('the routines API', () => {
  let app: FastifyInstance;
  let store: Store;
  const clock = new FakeClock(start);
  const tokens: Record<string, string> = {};
  let delivered = 0;
  let runId = '';

  beforeAll(async () => {
    const loaded = parseConfig(yaml, 'vigil.yaml', {});
    store = await openStore('sqlite::memory:');
    const metrics = new Registry();
    app = testApp({
      store,
      clock,
      config: loaded,
      login: true,
      metrics,
      routines: {
        async deliver() {
          delivered++;
        },
      },
    });
    for (const role of ['viewer', 'operator'] as const)
      tokens[role] = (
        await createToken(store, { name: `ci-${role}`, owner: 'test', role, expiresAt: null }, start)
      ).token;
    runId = (await runRoutine({ store, loaded }, loaded.config.routines[0]!, { now: start })).run.id;
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });
  const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

  it('lists runs and shows one with its findings and its HTML report', async () => {
    const list = await app.inject({ url: '/api/v1/routines/runs', headers: as('viewer') });
    expect(list.statusCode).toBe(200);
    expect(list.json().runs).toEqual([
      expect.objectContaining({
        id: 'daily@2026-11-27T08:00:00Z',
        routine: 'daily',
        status: 'open',
        deliveredAt: null,
      }),
    ]);
    const show = await app.inject({
      url: `/api/v1/routines/runs/${encodeURIComponent(runId)}`,
      headers: as('viewer'),
    });
    expect(show.json().steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['checks', 'attention'],
      ['review', 'pending'],
    ]);
    const html = await app.inject({
      url: `/api/v1/routines/runs/${encodeURIComponent(runId)}/report`,
      headers: as('viewer'),
    });
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body).toContain('<!DOCTYPE html>');
    // its inline styles may apply; scripts and every other source stay forbidden
    expect(html.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    );
    const missing = await app.inject({ url: '/api/v1/routines/runs/nope', headers: as('viewer') });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('ROUTINE_RUN_NOT_FOUND');
  });

  it("signs off with the 'operate' right only, records who, and closes the run once", async () => {
    const url = `/api/v1/routines/runs/${encodeURIComponent(runId)}/steps/review/signoff`;
    const denied = await app.inject({ method: 'POST', url, headers: as('viewer'), payload: { note: 'x' } });
    expect(denied.statusCode).toBe(403);
    await clock.advance(20 * 60_000);
    const ok = await app.inject({
      method: 'POST',
      url,
      headers: as('operator'),
      payload: { note: 'all quiet' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({
      run: { id: runId, status: 'done' },
      step: {
        name: 'review',
        signedBy: 'token:ci-operator',
        signedAt: '2026-11-27T08:20:00.000Z',
        note: 'all quiet',
      },
      closed: true,
    });
    expect(delivered).toBe(1);
    const again = await app.inject({ method: 'POST', url, headers: as('operator'), payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'ROUTINE_SIGNOFF_REFUSED' });
    const unknown = await app.inject({
      method: 'POST',
      url: `/api/v1/routines/runs/${encodeURIComponent(runId)}/steps/nope/signoff`,
      headers: as('operator'),
      payload: {},
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({
      code: 'ROUTINE_STEP_NOT_FOUND',
      hint: 'steps: checks, review',
    });
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { collapseFlaps } from '../../src/core/flaps.js';
import type { StoredTransition } from '../../src/store/alerts.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const now = Date.UTC(2026, 10, 27, 12);
const minute = 60_000;

const move = (at: number, rule: string, from: string, to: string, fp = rule): StoredTransition => ({
  at,
  rule,
  group: 'g',
  fingerprint: fp,
  labels: { alertname: rule },
  from,
  to,
  value: 1,
  reason: '',
});

// HighCPU flaps six times in an hour; ServiceDown fires once, in between, and resolves.
const flapping = Array.from({ length: 6 }, (_, i) => [
  move(now - 60 * minute + i * 10 * minute, 'HighCPU', 'inactive', 'firing'),
  move(now - 55 * minute + i * 10 * minute, 'HighCPU', 'firing', 'inactive'),
]).flat();
const once = [
  move(now - 32 * minute, 'ServiceDown', 'inactive', 'pending'),
  move(now - 31 * minute, 'ServiceDown', 'pending', 'firing'),
  move(now - 20 * minute, 'ServiceDown', 'firing', 'inactive'),
];
const newestFirst = [...flapping, ...once].sort((a, b) => b.at - a.at);

describe('alert history: flaps collapse, filters by alert and state', () => {
  it('collapses one alert firing again and again into one row, and keeps a single firing as its rows', () => {
    const rows = collapseFlaps(newestFirst, 15 * minute);
    expect(rows.map((r) => [r.rule, r.to, r.count, r.firings])).toEqual([
      ['HighCPU', 'inactive', 12, 6],
      ['ServiceDown', 'inactive', 1, 0],
      ['ServiceDown', 'firing', 1, 1],
      ['ServiceDown', 'pending', 1, 0],
    ]);
    expect(rows[0]!.since).toBe(now - 60 * minute);
    // a gap wider than the span ends the run: 10-minute cycles with a 4-minute span are each an alert
    expect(collapseFlaps(newestFirst, 4 * minute)).toHaveLength(newestFirst.length);
  });

  let app: FastifyInstance;
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    await store.alerts.insertTransitions(newestFirst);
    app = testApp({ store, clock: new FakeClock(now), config: parseConfig('checks: []', 'vigil.yaml', {}) });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('answers the history filtered by state and alert, collapsed on request', async () => {
    const get = async (q: string) =>
      (await app.inject(`/api/v1/alerts/history?${q}`)).json().transitions as {
        rule: string;
        to: string;
        count?: number;
      }[];
    expect(await get('state=firing&rule=ServiceDown')).toEqual([
      expect.objectContaining({ rule: 'ServiceDown', to: 'firing' }),
    ]);
    expect(await get('state=firing')).toHaveLength(7);
    const collapsed = await get('collapse=15m');
    expect(collapsed.map((t) => [t.rule, t.count])).toEqual([
      ['HighCPU', 12],
      ['ServiceDown', 1],
      ['ServiceDown', 1],
      ['ServiceDown', 1],
    ]);
    const bad = await app.inject('/api/v1/alerts/history?state=resolvedd');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('USAGE');
  });
});

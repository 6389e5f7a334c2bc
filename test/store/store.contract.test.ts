import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import { labelsKey } from '../../src/core/labels.js';
import { alertFingerprint } from '../../src/store/alert-fingerprint.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testDatabases } from './databases.js';

const t0 = Date.UTC(2026, 10, 1, 0, 0, 0);
const minute = 60_000;
const day = 86_400_000;

function result(check: string, at: number, status: CheckResult['status'], durationMs = 10): CheckResult {
  return {
    check,
    kind: 'http',
    status,
    message: status === 'ok' ? '200 in 10ms' : 'connect ECONNREFUSED',
    startedAt: at,
    durationMs,
    samples: [
      { name: 'up', labels: { check }, value: status === 'ok' ? 1 : 0 },
      { name: 'http_duration_seconds', labels: { check, phase: 'ttfb' }, value: durationMs / 1000 },
    ],
  };
}

describe.each(testDatabases)('store contract on $name', (database) => {
  let store: Store;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await database.create();
    drop = db.drop;
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('records results, the latest state, samples and rollups in one transaction', async () => {
    const batch = [
      result('api', t0, 'ok', 12),
      result('api', t0 + minute, 'critical', 30),
      result('db', t0, 'ok'),
    ];
    await store.record(batch);
    const listed = await store.results.list('api', t0, t0 + day);
    expect(listed.map((r) => [r.startedAt, r.status, r.durationMs])).toEqual([
      [t0 + minute, 'critical', 30],
      [t0, 'ok', 12],
    ]);
    const states = await store.checks.all();
    expect(states.find((s) => s.name === 'api')?.last).toMatchObject({ at: t0 + minute, status: 'critical' });
    const series = await store.queryable.select(
      [
        { name: '__name__', type: '=', value: 'up' },
        { name: 'check', type: '=', value: 'api' },
      ],
      t0,
      t0 + day,
    );
    expect(series).toEqual([
      {
        labels: { __name__: 'up', check: 'api' },
        points: [
          { t: t0, v: 1 },
          { t: t0 + minute, v: 0 },
        ],
      },
    ]);
  });

  it('selects series by matchers with anchored regexes, within [mint, maxt], keeping stale markers', async () => {
    const at = t0 + 10 * day;
    await store.record([
      {
        ...result('q1', at, 'ok'),
        samples: [
          { name: 'disk_usage', labels: { check: 'q1', mount: '/' }, value: 0.5 },
          { name: 'disk_usage', labels: { check: 'q1', mount: '/var' }, value: 0.7 },
          { name: 'disk_usage', labels: { check: 'q1', mount: '/var/lib' }, value: 0.9 },
          { name: 'disk_usage', labels: { check: 'q1', mount: '/nan' }, value: Number.NaN },
        ],
      },
      {
        ...result('q1', at + minute, 'ok'),
        samples: [
          { name: 'disk_usage', labels: { check: 'q1', mount: '/' }, value: 0.6 },
          { name: 'disk_usage', labels: { check: 'q1', mount: '/var' }, value: 0, stale: true },
        ],
      },
    ]);
    const select = (
      matchers: { name: string; type: '=' | '!=' | '=~' | '!~'; value: string }[],
      mint = at,
      maxt = at + day,
    ) =>
      store.queryable.select([{ name: '__name__', type: '=', value: 'disk_usage' }, ...matchers], mint, maxt);
    const mounts = async (m: Parameters<typeof select>[0], mint?: number, maxt?: number) =>
      (await select(m, mint, maxt)).map((s) => s.labels.mount).sort();
    expect(await mounts([{ name: 'mount', type: '=~', value: '/var' }])).toEqual(['/var']);
    expect(await mounts([{ name: 'mount', type: '=~', value: '/var.*' }])).toEqual(['/var', '/var/lib']);
    expect(await mounts([{ name: 'mount', type: '!~', value: '/var.*' }])).toEqual(['/', '/nan']);
    expect(await mounts([{ name: 'mount', type: '!=', value: '/' }])).toEqual(['/nan', '/var', '/var/lib']);
    expect(await mounts([{ name: 'device', type: '=', value: '' }])).toEqual([
      '/',
      '/nan',
      '/var',
      '/var/lib',
    ]);
    const [root] = await select([{ name: 'mount', type: '=', value: '/' }], at + 1, at + minute);
    expect(root!.points).toEqual([{ t: at + minute, v: 0.6 }]);
    const [nan] = await select([{ name: 'mount', type: '=', value: '/nan' }]);
    expect(nan!.points).toEqual([{ t: at, v: Number.NaN }]);
    const [gone] = await select([{ name: 'mount', type: '=', value: '/var' }]);
    expect(gone!.points).toEqual([
      { t: at, v: 0.7 },
      { t: at + minute, v: Number.NaN, stale: true },
    ]);
  });

  it('aggregates availability over any window from rollups', async () => {
    // 'svc' runs once a minute for 3 days; down for the first 90 minutes of day 2
    const batch: CheckResult[] = [];
    for (let t = t0; t < t0 + 3 * day; t += minute) {
      const down = t >= t0 + day && t < t0 + day + 90 * minute;
      batch.push(result('svc', t, down ? 'critical' : 'ok', down ? 100 : 10));
    }
    await store.record(batch);
    const end = t0 + 3 * day;
    const [all] = await store.rollups.availability(t0, end, ['svc']);
    expect(all).toMatchObject({ check: 'svc', runs: 3 * 1440, up: 3 * 1440 - 90 });
    expect(all!.avgDurationMs).toBeCloseTo((90 * 100 + (3 * 1440 - 90) * 10) / (3 * 1440), 6);
    expect(all!.maxDurationMs).toBe(100);
    const [lastDay] = await store.rollups.availability(end - day, end, ['svc']);
    expect(lastDay).toMatchObject({ runs: 1440, up: 1440, ratio: 1 });
    // a 24h window that is not aligned to days or hours is minute-exact
    const from = t0 + day - 30 * minute;
    const [shifted] = await store.rollups.availability(from, from + day, ['svc']);
    expect(shifted).toMatchObject({ runs: 1440, up: 1440 - 90 });
    // all checks at once, in one query
    const every = await store.rollups.availability(t0 - day, end);
    expect(every.map((a) => a.check).sort()).toEqual(['api', 'db', 'svc']);
  });

  it('merges rollups written by later batches into the same bucket', async () => {
    await store.record([result('merge', t0 + 5 * day, 'ok', 5)]);
    await store.record([result('merge', t0 + 5 * day + 1000, 'critical', 50)]);
    const points = await store.rollups.series('merge', 'm', t0 + 5 * day, t0 + 5 * day + minute);
    expect(points).toEqual([
      { bucket: t0 + 5 * day, runs: 2, up: 1, avgDurationMs: 27.5, maxDurationMs: 50 },
    ]);
  });

  it("reads every check's hourly buckets as columns and a check's recent failures", async () => {
    const base = t0 + 20 * day;
    const hour = 3_600_000;
    await store.record([
      result('grid-a', base, 'ok'),
      result('grid-a', base + 1000, 'critical'),
      result('grid-a', base + hour, 'ok'),
      result('grid-b', base + hour, 'unknown'),
      result('grid-b', base + 3 * hour, 'warning'),
    ]);
    const g = await store.rollups.grid('h', base, base + 2 * hour);
    const rows = g.check.map((c, i) => [c, g.bucket[i], g.runs[i], g.up[i]]).sort();
    expect(rows).toEqual([
      ['grid-a', base, 2, 1],
      ['grid-a', base + hour, 1, 1],
      ['grid-b', base + hour, 1, 0],
    ]);
    const failures = await store.results.failures('grid-b', base, base + day);
    expect(failures.map((f) => [f.startedAt, f.status])).toEqual([[base + hour, 'unknown']]);
    expect((await store.results.failures('grid-a', base, base + day, 5)).map((f) => f.status)).toEqual([
      'critical',
    ]);
  });

  it('keeps heartbeats and returns the newest ping and start', async () => {
    await store.heartbeats.record('backup', { at: t0, type: 'start' });
    await store.heartbeats.record('backup', { at: t0 + 5000, type: 'fail', message: 'disk full' });
    expect(await store.heartbeats.last('backup')).toEqual({
      ping: { at: t0 + 5000, type: 'fail', message: 'disk full' },
      lastStart: { at: t0, type: 'start', message: undefined },
    });
    expect(await store.heartbeats.last('never')).toBeUndefined();
  });

  it('prunes raw data by retention and keeps the long-term rollups', async () => {
    const now = t0 + 40 * day;
    const entry = (groupKey: string, sentAt: number) => ({
      alerts: [],
      forget: [],
      log: { receiver: 'team', groupKey, firing: ['f1'], resolved: [], sentAt },
    });
    await store.notifications.flush(entry('quiet-for-weeks', t0));
    await store.notifications.flush(entry('recent', now - day));
    const counts = await store.prune(
      {
        results: 30 * day,
        samples: 15 * day,
        minute_rollups: 2 * day,
        hour_rollups: 95 * day,
        day_rollups: 800 * day,
      },
      now,
    );
    expect(counts.results).toBeGreaterThan(4000);
    expect(counts.samples).toBeGreaterThan(8000);
    expect(counts.minuteRollups).toBeGreaterThan(4000);
    expect(counts.dayRollups).toBe(0);
    expect(await store.results.list('svc', t0, now)).toEqual([]);
    const [svc] = await store.rollups.availability(t0, t0 + 3 * day, ['svc']);
    expect(svc).toMatchObject({ runs: 3 * 1440, up: 3 * 1440 - 90 });
    expect((await store.notifications.log()).map((e) => e.groupKey)).toEqual(['recent']);
  });

  it('keeps every alert transition under a printable fingerprint, the one notifications use', async () => {
    const labels = { alertname: 'FlapDown', check: 'flap', severity: 'warning' };
    await store.alerts.insertTransitions([
      {
        at: t0,
        rule: 'FlapDown',
        group: 'alerts',
        // the rule engine's own key, with the NUL separators PostgreSQL's text refuses
        fingerprint: labelsKey(labels),
        labels,
        from: 'pending',
        to: 'firing',
        value: 0,
        reason: 'condition true',
      },
    ]);
    const [t] = await store.alerts.history({ from: t0, to: t0, rule: 'FlapDown' });
    expect(t?.fingerprint).toBe(alertFingerprint(labels));
    expect(t?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(t?.labels).toEqual(labels);
  });

  it('is all or nothing: a failing batch leaves nothing behind', async () => {
    const bad = { ...result('atomic', t0 + 50 * day, 'ok'), message: undefined as unknown as string };
    await expect(store.record([result('atomic', t0 + 50 * day - 1, 'ok'), bad])).rejects.toThrow();
    expect(await store.results.list('atomic', 0, t0 + 100 * day)).toEqual([]);
    expect(await store.rollups.availability(t0 + 49 * day, t0 + 51 * day, ['atomic'])).toEqual([]);
  });
});

describe('store errors', () => {
  it('names an unreachable PostgreSQL without its password', async () => {
    const err = await openStore('postgres://vigil:hunter2@127.0.0.1:1/vigil').catch((e) => e);
    expect(err.code).toBe('STORE_UNREACHABLE');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).toContain('vigil:***@');
  });

  it('names a SQLite path that cannot be written', async () => {
    const err = await openStore('sqlite:/proc/vigil/vigil.db').catch((e) => e);
    expect(err.code).toBe('STORE_NOT_WRITABLE');
    expect(err.hint).toMatch(/writable/);
  });
});

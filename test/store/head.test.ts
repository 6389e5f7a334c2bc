import { describe, expect, it } from 'vitest';
import { instantQuery, rangeQuery } from '../../src/metrics/promql/index.js';
import type { Matcher } from '../../src/metrics/types.js';
import { Head } from '../../src/store/head.js';
import { openStore } from '../../src/store/store.js';

const t0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const up: Matcher[] = [{ name: '__name__', type: '=', value: 'up' }];

describe('in-memory head', () => {
  it('answers windows of a queried metric exactly as the database does', async () => {
    const store = await openStore('sqlite::memory:', { now: () => t0 });
    const write = (i: number) =>
      store.record(
        [],
        [
          { name: 'up', labels: { check: 'a' }, value: i % 2, ts: t0 + i * 15_000 },
          ...(i < 10 ? [{ name: 'up', labels: { check: 'b' }, value: 1, ts: t0 + i * 15_000 }] : []),
          ...(i === 10
            ? [
                {
                  name: 'up',
                  labels: { check: 'b' },
                  value: Number.NaN,
                  stale: true as const,
                  ts: t0 + i * 15_000,
                },
              ]
            : []),
        ],
      );
    await write(0);
    // the first query makes `up` hot; it is answered by the database
    expect(await store.queryable.select(up, t0, t0)).toHaveLength(2);
    for (let i = 1; i < 20; i++) await write(i);
    const fromHead = await store.queryable.select(up, t0 + 60_000, t0 + 200_000);
    const fromDb = await store.samples.queryable.select(up, t0 + 60_000, t0 + 200_000);
    const norm = (list: typeof fromHead) =>
      list
        .filter((s) => s.points.length)
        .map((s) => ({ labels: s.labels, points: s.points }))
        .sort((a, b) => a.labels.check!.localeCompare(b.labels.check!));
    expect(norm(fromHead)).toEqual(norm(fromDb));
    expect(norm(fromHead)[1]!.points.at(-1)).toEqual({ t: t0 + 150_000, v: Number.NaN, stale: true });
    await store.close();
  });

  it('holds only metrics that were asked for, from the time they were asked for', () => {
    const head = new Head(60_000, t0);
    head.append([], [{ name: 'x', value: 1, ts: t0 + 10_000 }]);
    expect(head.covers('x', t0 + 20_000)).toBe(false); // now hot, from t0+10s on
    expect(head.select([{ name: '__name__', type: '=', value: 'x' }], 0, t0 + 1e9)).toEqual([]);
    head.append([], [{ name: 'x', value: 2, ts: t0 + 20_000 }]);
    expect(head.covers('x', t0 + 10_000)).toBe(false);
    expect(head.covers('x', t0 + 10_001)).toBe(true);
    expect(head.covers('y', t0 + 10_001)).toBe(false);
  });

  it('drops samples older than its span', () => {
    const head = new Head(60_000, t0);
    head.covers('x', 0);
    for (let i = 0; i <= 20; i++) head.append([], [{ name: 'x', value: i, ts: t0 + i * 10_000 }]);
    const [x] = head.select([{ name: '__name__', type: '=', value: 'x' }], 0, t0 + 1e9);
    expect(x!.points[0]!.t).toBeGreaterThanOrEqual(t0 + 200_000 - 60_000 - 60_000 / 4 - 10_000);
    expect(x!.points.at(-1)!.v).toBe(20);
    expect(head.covers('x', t0 + 100_000)).toBe(false);
    expect(head.covers('x', t0 + 150_000)).toBe(true);
  });

  it('keeps of each metric the widest window asked of it and a minute, not the whole span', () => {
    const head = new Head(15 * 60_000, t0);
    const x = [{ name: '__name__', type: '=' as const, value: 'x' }];
    // an instant query's 5-minute lookback makes x hot
    expect(head.covers('x', t0 - 300_000, t0)).toBe(false);
    for (let i = 0; i <= 120; i++) head.append([], [{ name: 'x', value: i, ts: t0 + i * 10_000 }]);
    const now = t0 + 1_200_000;
    expect(head.covers('x', now - 300_000, now)).toBe(true);
    // held: 5 minutes + a minute, and at most one more minute until the next trim
    const held = head.select(x, 0, now)[0]!.points;
    expect(now - held[0]!.t).toBeLessThanOrEqual(7 * 60_000);
    expect(now - held[0]!.t).toBeGreaterThanOrEqual(6 * 60_000);
    // a 10-minute window is not held yet: the database answers, and from now on 11 minutes are kept
    expect(head.covers('x', now - 600_000, now)).toBe(false);
    for (let i = 121; i <= 200; i++) head.append([], [{ name: 'x', value: i, ts: t0 + i * 10_000 }]);
    const later = t0 + 2_000_000;
    expect(head.covers('x', later - 600_000, later)).toBe(true);
    expect(head.select(x, later - 600_000, later)[0]!.points).toHaveLength(61);
  });

  it('fills a metric from the database at its first query, once: answers at once, one series per label set', async () => {
    const store = await openStore('sqlite::memory:', { now: () => t0 });
    try {
      // ten minutes of `up` for 50 checks, written before anything asked for it; labels in an
      // order other than sorted, as a check writes them
      const write = async (from: number, to: number) => {
        for (let t = from; t < to; t += 10_000)
          await store.record(
            [],
            Array.from({ length: 50 }, (_, c) => ({
              name: 'up',
              labels: { zone: c % 2 ? 'b' : 'a', check: `c${c}` },
              value: (t / 10_000 + c) % 3 ? 1 : 0,
              ts: t,
            })),
          );
      };
      await write(t0, t0 + 600_000);
      const at = t0 + 590_000;
      const fromDb = await store.samples.queryable.select(up, at - 300_000, at);
      // the first query: the head reads the metric's window once and answers from memory
      const byCheck = (list: Awaited<typeof fromDb>) =>
        [...list].sort((a, b) => a.labels.check!.localeCompare(b.labels.check!));
      expect(byCheck(await store.queryable.select(up, at - 300_000, at))).toEqual(byCheck(fromDb));
      // with the table emptied, the head still holds the window: it no longer asks the database
      await store.db.deleteFrom('samples').execute();
      expect(byCheck(await store.queryable.select(up, at - 300_000, at))).toEqual(byCheck(fromDb));
      // new samples join the seeded series (no second series for the same labels in another order)
      await write(t0 + 600_000, t0 + 620_000);
      const later = await store.queryable.select(up, at - 300_000 + 20_000, at + 20_000);
      expect(later).toHaveLength(50);
      expect(later.every((x) => x.points.length === 31)).toBe(true);
      const counted = await instantQuery(store.queryable, 'count(up)', at + 20_000);
      expect(counted).toMatchObject({ type: 'vector', samples: [{ v: 50 }] });
    } finally {
      await store.close();
    }
  });

  it('reads from the store only a window it keeps: a wider one fills nothing', async () => {
    const head = new Head(15 * 60_000, t0);
    head.append([], [{ name: 'x', value: 1, ts: t0 + 20 * 60_000 }]);
    const reads: [number, number][] = [];
    const read = async (from: number, to: number) => {
      reads.push([from, to]);
      return [];
    };
    // an hour on a chart: wider than the 15 minutes the head may keep
    expect(head.covers('x', t0 - 40 * 60_000, t0 + 20 * 60_000)).toBe(false);
    expect(await head.seed('x', t0 - 40 * 60_000, read)).toBe(false);
    expect(reads).toEqual([]);
    // a window it keeps: read once, from the newest sample back by what it keeps
    expect(await head.seed('x', t0 + 10 * 60_000, read)).toBe(true);
    expect(reads).toEqual([[t0 + 5 * 60_000, t0 + 20 * 60_000]]);
    expect(await head.seed('x', t0 + 10 * 60_000, read)).toBe(true);
    expect(reads).toHaveLength(1);
  });

  it('keeps a seeded metric for its window and a minute, as one never seeded', async () => {
    const head = new Head(15 * 60_000, t0);
    const x = [{ name: '__name__', type: '=' as const, value: 'x' }];
    head.append([], [{ name: 'x', value: 0, ts: t0 + 10 * 60_000 }]);
    const at = t0 + 10 * 60_000;
    expect(head.covers('x', at - 300_000, at)).toBe(false);
    expect(await head.seed('x', at - 300_000, async () => [])).toBe(true);
    for (let i = 1; i <= 120; i++) head.append([], [{ name: 'x', value: i, ts: at + i * 10_000 }]);
    const now = at + 1_200_000;
    expect(head.covers('x', now - 300_000, now)).toBe(true);
    // 5 minutes + a minute, and at most one more until the next trim: not the 15-minute span
    const held = head.select(x, 0, now)[0]!.points;
    expect(now - held[0]!.t).toBeLessThanOrEqual(7 * 60_000);
  });

  it('gives queries the same answers as the database: instants, ranges, subqueries, stale markers, out-of-order samples', async () => {
    const store = await openStore('sqlite::memory:', { now: () => t0 });
    const names = ['load', 'req_total'];
    // make both metrics hot before anything is written
    for (const name of names)
      await store.queryable.select([{ name: '__name__', type: '=', value: name }], t0, t0);
    for (let i = 0; i < 60; i++) {
      const ts = t0 + i * 15_000;
      const extra = [];
      for (let s = 0; s < 30; s++) {
        // series 3 ends at step 40 with a staleness marker; series 5 writes one step late, out of order
        if (s === 3 && i > 40) continue;
        const stale = s === 3 && i === 40;
        const labels = { job: `job-${s % 4}`, instance: `host-${s}`, ...(s % 7 === 0 ? { zone: '' } : {}) };
        extra.push({
          name: 'load',
          labels,
          value: stale ? Number.NaN : ((s * 7 + i) % 10) / 10,
          ts,
          ...(stale ? { stale: true as const } : {}),
        });
        extra.push({
          name: 'req_total',
          labels,
          value: s * 10 + i * 3,
          ts: s === 5 && i > 0 ? ts - 15_000 : ts,
        });
      }
      await store.record([], extra);
    }
    const queries = [
      'load > 0.5',
      'avg by (job) (load)',
      'sum by (job) (rate(req_total[5m]))',
      'max by (instance) (load{job=~"job-[0-1]"})',
      'count(load > 0.3)',
      'timestamp(load)',
      'max_over_time(load[10m:1m])',
      'load offset 2m',
      'load @ ' + String((t0 + 600_000) / 1000),
    ];
    const at = t0 + 59 * 15_000;
    for (const q of queries) {
      for (const ts of [at, t0 + 40 * 15_000, t0 + 41 * 15_000 + 1]) {
        const head = await instantQuery(store.queryable, q, ts);
        const db = await instantQuery(store.samples.queryable, q, ts);
        expect(head, `${q} at ${ts}`).toEqual(db);
      }
      if (!q.includes('@'))
        expect(await rangeQuery(store.queryable, q, at - 300_000, at, 30_000), q).toEqual(
          await rangeQuery(store.samples.queryable, q, at - 300_000, at, 30_000),
        );
    }
    await store.close();
  });
});

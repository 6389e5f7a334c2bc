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

import { describe, expect, it } from 'vitest';
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
});

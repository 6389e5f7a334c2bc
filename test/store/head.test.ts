import { describe, expect, it } from 'vitest';
import type { Matcher } from '../../src/metrics/types.js';
import { Head } from '../../src/store/head.js';
import { openStore } from '../../src/store/store.js';

const t0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const up: Matcher[] = [{ name: '__name__', type: '=', value: 'up' }];

describe('in-memory head', () => {
  it('answers recent windows exactly as the database does, and older ones from the database', async () => {
    const store = await openStore('sqlite::memory:', { now: () => t0 });
    for (let i = 0; i < 20; i++) {
      await store.record(
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
    }
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

  it('covers only what it has held since it started, within its span', () => {
    const head = new Head(60_000, t0);
    head.append([], [{ name: 'x', value: 1, ts: t0 + 120_000 }]);
    expect(head.covers(t0 - 1)).toBe(false);
    expect(head.covers(t0 + 59_999)).toBe(false);
    expect(head.covers(t0 + 60_000)).toBe(true);
  });

  it('drops samples older than its span', () => {
    const head = new Head(60_000, t0);
    for (let i = 0; i <= 20; i++) head.append([], [{ name: 'x', value: i, ts: t0 + i * 10_000 }]);
    const [x] = head.select([{ name: '__name__', type: '=', value: 'x' }], 0, t0 + 1e9);
    expect(x!.points[0]!.t).toBeGreaterThanOrEqual(t0 + 200_000 - 60_000 - 60_000 / 4 - 10_000);
    expect(x!.points.at(-1)!.v).toBe(20);
  });
});

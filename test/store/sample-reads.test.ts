import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import { instantQuery } from '../../src/metrics/promql/index.js';
import { defaultQueryLimits, QueryBudget } from '../../src/metrics/promql/limits.js';
import type { Matcher } from '../../src/metrics/types.js';
import { openStore } from '../../src/store/store.js';

/**
 * Reading many series from SQLite is synchronous work: the read is cut into statements of about
 * 20,000 samples, with a turn of the event loop between them, and gives the same answer.
 */
const t0 = Date.UTC(2026, 11, 6, 3, 0);
const lat: Matcher[] = [{ name: '__name__', type: '=', value: 'lat' }];

/** 200 series × 600 points (10 minutes at 1 s): 120,000 rows */
async function filled() {
  const store = await openStore('sqlite::memory:', { now: () => t0 });
  for (let i = 0; i < 600; i++) {
    const batch: CheckResult[] = Array.from({ length: 200 }, (_, c) => ({
      check: `c${c}`,
      kind: 'http',
      status: 'ok',
      message: '',
      startedAt: t0 + i * 1000,
      durationMs: 1,
      samples: [{ name: 'lat', labels: { check: `c${c}` }, value: c * 1000 + i }],
    }));
    await store.record(batch);
  }
  return store;
}

describe('reading samples from SQLite', () => {
  it('lets the event loop turn between pieces of a large read, with every point in order', async () => {
    const store = await filled();
    try {
      let turns = 0;
      const tick = () => {
        turns++;
        if (!done) setImmediate(tick);
      };
      let done = false;
      setImmediate(tick);
      const series = await store.samples.queryable.select(lat, t0, t0 + 599_000);
      done = true;
      // 600 points per series → 33 series per statement → 7 statements, 6 turns between them
      expect(turns).toBeGreaterThanOrEqual(6);
      expect(series).toHaveLength(200);
      for (const s of series) {
        const c = Number(s.labels.check!.slice(1));
        expect(s.points).toHaveLength(600);
        expect(s.points.every((p, i) => p.t === t0 + i * 1000 && p.v === c * 1000 + i)).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  it('stops reading at the query limit: points from the store count toward max_samples', async () => {
    const store = await filled();
    try {
      const budget = new QueryBudget({ ...defaultQueryLimits, maxSamples: 50_000 });
      await expect(store.samples.queryable.select(lat, t0, t0 + 599_000, { budget })).rejects.toThrow(
        /too many samples|query.max_samples = 50,000/,
      );
      // three pieces of ~20,000 rows were read, not all 120,000
      expect(budget.used).toBeLessThan(80_000);
      // through a query: refused with the limit named, and answered under a higher one
      await expect(
        instantQuery(store.samples.queryable, 'count(count_over_time(lat[10m]))', t0 + 599_000, {
          limits: { maxSamples: 50_000 },
        }),
      ).rejects.toThrow(/query.max_samples = 50,000/);
      const ok = await instantQuery(
        store.samples.queryable,
        'count(count_over_time(lat[10m]))',
        t0 + 599_000,
      );
      expect(ok).toMatchObject({ type: 'vector' });
    } finally {
      await store.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import { openStore } from '../../src/store/store.js';

/**
 * Retention removes old rows in pieces of a few thousand, with a turn of the event loop between
 * them: one statement over ten minutes of a busy daemon's results held SQLite for seconds.
 */
describe('retention in pieces', () => {
  it('removes every old result and sample, letting the event loop turn between statements', async () => {
    const t0 = Date.UTC(2026, 11, 6, 4, 0);
    const store = await openStore('sqlite::memory:', { now: () => t0 });
    try {
      // 200 checks × 100 runs, each with one sample: 20,000 results and 20,000 samples, all old,
      // and one newer run of each that stays
      for (let i = 0; i <= 100; i++) {
        const batch: CheckResult[] = Array.from({ length: 200 }, (_, c) => ({
          check: `c${c}`,
          kind: 'http',
          status: 'ok',
          message: '',
          startedAt: t0 + i * 1000 + (i === 100 ? 3_600_000 : 0),
          durationMs: 1,
          samples: [{ name: 'lat', labels: { check: `c${c}` }, value: i }],
        }));
        await store.record(batch);
      }
      let turns = 0;
      let done = false;
      const tick = () => {
        turns++;
        if (!done) setImmediate(tick);
      };
      setImmediate(tick);
      const hour = 3_600_000;
      const counts = await store.prune(
        {
          results: hour,
          samples: hour,
          minute_rollups: 100 * hour,
          hour_rollups: 100 * hour,
          day_rollups: 100 * hour,
        },
        t0 + hour + 200_000,
      );
      done = true;
      expect(counts.results).toBe(20_000);
      expect(counts.samples).toBe(20_000);
      // results: four statements of 5,000 (and a last empty one); samples: a few series at a time
      expect(turns).toBeGreaterThanOrEqual(10);
      const left = await store.samples.queryable.select(
        [{ name: '__name__', type: '=', value: 'lat' }],
        0,
        t0 + 2 * hour,
      );
      expect(left).toHaveLength(200);
      expect(left.every((s) => s.points.length === 1 && s.points[0]!.v === 100)).toBe(true);
    } finally {
      await store.close();
    }
  });
});

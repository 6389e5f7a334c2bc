import { describe, expect, it } from 'vitest';
import { instantQuery, MemoryQueryable, PromQLError, rangeQuery } from '../../../src/metrics/promql/index.js';

const now = Date.UTC(2026, 0, 1);

function store(): MemoryQueryable {
  const q = new MemoryQueryable();
  for (let s = 0; s < 20; s++) {
    q.add(
      { __name__: 'up', check: `c${s}` },
      Array.from({ length: 200 }, (_, i) => ({ t: now - i * 15_000, v: 1 })),
    );
  }
  return q;
}

async function refusal(p: Promise<unknown>): Promise<PromQLError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PromQLError);
  return e as PromQLError;
}

describe('PromQL limits: a query cannot take the daemon down', () => {
  it.each([
    'max_over_time(up[1y:1ms])',
    'sum_over_time(up[999999999999999d:])',
    'count_over_time(vector(1)[1d:1ms])',
    'count_over_time(vector(1)[1h:1ms])',
  ])('refuses %s before evaluating, naming the limit', async (expr) => {
    const started = performance.now();
    const e = await refusal(instantQuery(store(), expr, now));
    expect(performance.now() - started).toBeLessThan(500);
    expect(e.kind).toBe('eval');
    expect(e.message).toMatch(/query\.max_subquery_steps/);
  });

  it('refuses nested subqueries whose steps multiply past max_samples', async () => {
    const e = await refusal(instantQuery(store(), 'max_over_time(max_over_time(up[1d:10s])[1d:10s])', now));
    expect(e.message).toMatch(/query\.max_samples/);
  });

  it('keeps the subquery step limit configurable, and evaluates what fits', async () => {
    const fine = await instantQuery(store(), 'count_over_time(vector(1)[1h:1s])', now);
    expect(fine).toMatchObject({ type: 'vector', samples: [{ v: 3600 }] });
    const e = await refusal(
      instantQuery(store(), 'count_over_time(vector(1)[1h:1s])', now, { limits: { maxSubquerySteps: 1000 } }),
    );
    expect(e.message).toContain('3,600 steps');
  });

  it('counts the points a query materialises against max_samples', async () => {
    // 20 series × ~200 points in range each: about 4,000 points.
    expect(await instantQuery(store(), 'count(count_over_time(up[1h]))', now)).toMatchObject({
      samples: [{ v: 20 }],
    });
    const e = await refusal(
      instantQuery(store(), 'sum(count_over_time(up[1h]))', now, { limits: { maxSamples: 1000 } }),
    );
    expect(e.message).toMatch(/too many samples.*query\.max_samples = 1,000/);
  });

  it('counts a range query result too', async () => {
    const e = await refusal(
      rangeQuery(store(), 'up', now - 3_000_000, now, 15_000, { limits: { maxSamples: 2000 } }),
    );
    expect(e.message).toMatch(/query\.max_samples/);
  });

  it('stops at its deadline while evaluating, with no help from the event loop', async () => {
    let t = 0;
    // Each look at the clock moves it 10 ms: the evaluation must look on its own.
    const e = await refusal(
      instantQuery(store(), 'count_over_time(vector(1)[1h:1s])', now, {
        limits: { timeoutMs: 50, now: () => (t += 10) },
      }),
    );
    expect(e.message).toMatch(/timed out.*query\.timeout = 50ms/);
  });
});

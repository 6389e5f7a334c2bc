import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const now = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('query API limits', () => {
  let store: Store;
  const clock = new FakeClock(now);
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    await store.record([], [{ name: 'up', labels: { check: 'api' }, value: 1, ts: now - 30_000 }]);
  });
  afterAll(() => store.close());

  it.each([
    'max_over_time(up[1y:1ms])',
    'sum_over_time(up[999999999999999d:])',
    'count_over_time(vector(1)[1d:1ms])',
    'count_over_time(vector(1)[1h:1ms])',
  ])('answers %s at once with 422 in Prometheus error shape', async (query) => {
    const app = testApp({ store, clock, config: parseConfig('{}', 'vigil.yaml', {}) });
    const started = performance.now();
    const res = await app.inject(`/api/v1/query?query=${encodeURIComponent(query)}&time=${now / 1000}`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ status: 'error', errorType: 'execution' });
    expect(res.json().error).toMatch(/query\.max_subquery_steps/);
  });

  it('takes its limits from the query: section', async () => {
    const config = parseConfig('query: { max_subquery_steps: 100, timeout: 2s }\n', 'vigil.yaml', {});
    expect(config.config.query).toEqual({ max_samples: 5_000_000, max_subquery_steps: 100, timeout: 2000 });
    const app = testApp({ store, clock, config });
    const res = await app.inject(`/api/v1/query?query=${encodeURIComponent('max_over_time(up[1h:1m])')}`);
    expect(res.statusCode).toBe(200);
    const over = await app.inject(`/api/v1/query?query=${encodeURIComponent('max_over_time(up[1h:10s])')}`);
    expect(over.statusCode).toBe(422);
    expect(over.json().error).toContain('360 steps');
  });
});

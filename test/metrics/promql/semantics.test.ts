import { describe, expect, it } from 'vitest';
import {
  type Annotation,
  instantQuery,
  MemoryQueryable,
  PromQLError,
  rangeQuery,
  type Value,
} from '../../../src/metrics/promql/index.js';
import type { Labels, Point } from '../../../src/metrics/types.js';

const s = 1000;
const m = 60 * s;

function store(series: [Labels, Point[]][]): MemoryQueryable {
  const q = new MemoryQueryable();
  for (const [labels, points] of series) q.add(labels, points);
  return q;
}

/** Points every `step` ms from t=0 with the given values (null = no sample). */
function pts(step: number, ...values: (number | null | 'stale')[]): Point[] {
  const out: Point[] = [];
  values.forEach((v, i) => {
    if (v === 'stale') out.push({ t: i * step, v: Number.NaN, stale: true });
    else if (v !== null) out.push({ t: i * step, v });
  });
  return out;
}

function values(v: Value): Record<string, number> {
  if (v.type !== 'vector') throw new Error(`expected a vector, got ${v.type}`);
  return Object.fromEntries(v.samples.map((x) => [JSON.stringify(x.labels), x.v]));
}

async function evalError(q: MemoryQueryable, expr: string, t: number): Promise<PromQLError> {
  try {
    await instantQuery(q, expr, t);
  } catch (e) {
    if (e instanceof PromQLError) return e;
    throw e;
  }
  throw new Error(`expected ${expr} to fail`);
}

describe('range selectors use left-open windows (t - range, t]', () => {
  const q = store([[{ __name__: 'x' }, pts(10 * s, 1, 2, 3, 4)]]);

  it('excludes the sample exactly at t - range and includes the one at t', async () => {
    expect(values(await instantQuery(q, 'count_over_time(x[20s])', 30 * s))).toEqual({ '{}': 2 });
    expect(values(await instantQuery(q, 'sum_over_time(x[20s])', 30 * s))).toEqual({ '{}': 7 });
    expect(values(await instantQuery(q, 'last_over_time(x[5s] offset 10s)', 30 * s))).toEqual({
      '{"__name__":"x"}': 3,
    });
  });
});

describe('instant selectors: 5m lookback and staleness', () => {
  it('takes the latest sample in (t - 5m, t]', async () => {
    const q = store([[{ __name__: 'x' }, [{ t: 0, v: 7 }]]]);
    expect(values(await instantQuery(q, 'x', 299_999))).toEqual({ '{"__name__":"x"}': 7 });
    expect(values(await instantQuery(q, 'x', 300_000))).toEqual({});
  });

  it('hides a series once a stale marker is its newest point', async () => {
    const q = store([[{ __name__: 'x' }, pts(10 * s, 0, 1, 'stale', 2)]]);
    expect(values(await instantQuery(q, 'x', 15 * s))).toEqual({ '{"__name__":"x"}': 1 });
    expect(values(await instantQuery(q, 'x', 25 * s))).toEqual({});
    expect(values(await instantQuery(q, 'x', 30 * s))).toEqual({ '{"__name__":"x"}': 2 });
    // Range vectors skip the marker itself.
    expect(values(await instantQuery(q, 'count_over_time(x[1m])', 30 * s))).toEqual({ '{}': 3 });
  });

  it('honours a custom lookback', async () => {
    const q = store([[{ __name__: 'x' }, [{ t: 0, v: 7 }]]]);
    expect(values(await instantQuery(q, 'x', 90 * s, { lookbackDeltaMs: 60 * s }))).toEqual({});
  });
});

describe('rate and increase', () => {
  it('adds back counter resets', async () => {
    const q = store([[{ __name__: 'c_total' }, pts(5 * m, 0, 1, 2, 3, 2, 3, 4)]]);
    // 0 1 2 3 | reset | 2 3 4 counts as 3 + 4 = 7 over exactly the sampled interval.
    expect(values(await instantQuery(q, 'increase(c_total[30m])', 30 * m))).toEqual({ '{}': 7 });
    const r = values(await instantQuery(q, 'rate(c_total[30m])', 30 * m));
    expect(r['{}']).toBeCloseTo(7 / 1800, 12);
  });

  it('extrapolates to the window edges, but not below zero for counters', async () => {
    const q = store([
      [{ __name__: 'a_total' }, pts(5 * m, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110)],
      [{ __name__: 'b_total' }, pts(5 * m, 1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 101)],
    ]);
    // "a" would reach zero at t=-5m, beyond half an interval: extrapolated by 2m30s only.
    // "b" would reach zero at t=-30s: extrapolated only that far.
    expect(values(await instantQuery(q, 'increase(a_total[100m])', 50 * m))).toEqual({ '{}': 105 });
    expect(values(await instantQuery(q, 'increase(b_total[100m])', 50 * m))).toEqual({ '{}': 101 });
  });

  it('needs two samples', async () => {
    const q = store([[{ __name__: 'c_total' }, [{ t: 0, v: 1 }]]]);
    expect(values(await instantQuery(q, 'rate(c_total[5m])', 60 * s))).toEqual({});
  });
});

describe('vector matching', () => {
  const q = store([
    [{ __name__: 'req', job: 'a', instance: '1' }, [{ t: 0, v: 10 }]],
    [{ __name__: 'req', job: 'a', instance: '2' }, [{ t: 0, v: 20 }]],
    [{ __name__: 'limit', job: 'a' }, [{ t: 0, v: 100 }]],
    [{ __name__: 'limit', job: 'a', extra: 'x' }, [{ t: 0, v: 200 }]],
  ]);

  it('refuses many-to-many matching', async () => {
    const e = await evalError(q, 'req / on(job) limit', 0);
    expect(e.kind).toBe('eval');
    expect(e.message).toMatch(
      /many-to-many matching not allowed: matching labels must be unique on one side/,
    );
  });

  it('requires group_left for many-to-one', async () => {
    const e = await evalError(q, 'req / on(job) limit{extra=""}', 0);
    expect(e.message).toBe(
      'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
    );
    expect(values(await instantQuery(q, 'req / on(job) group_left limit{extra=""}', 0))).toEqual({
      '{"job":"a","instance":"1"}': 0.1,
      '{"job":"a","instance":"2"}': 0.2,
    });
  });

  it('rejects a result with two identical label sets after dropping names', async () => {
    const q2 = store([
      [{ __name__: 'a', x: '1' }, [{ t: 0, v: 1 }]],
      [{ __name__: 'b', x: '1' }, [{ t: 0, v: 2 }]],
    ]);
    expect((await evalError(q2, 'abs({x="1"})', 0)).message).toBe(
      'vector cannot contain metrics with the same labelset',
    );
    // Kept names keep them apart.
    expect(Object.keys(values(await instantQuery(q2, '{x="1"} > 0', 0)))).toHaveLength(2);
  });
});

describe('delayed name removal', () => {
  it('lets label_replace read the name a function is about to drop', async () => {
    const q = store([[{ __name__: 'x_total', job: 'a' }, pts(m, 0, 60)]]);
    const v = await instantQuery(q, 'label_replace(rate(x_total[5m]), "src", "$1", "__name__", "(.+)")', m);
    // Two samples 1m apart in a 5m window: extrapolated to the zero point at t=0 only.
    expect(values(v)).toEqual({ '{"job":"a","src":"x_total"}': 0.2 });
  });
});

describe('range queries', () => {
  it('evaluate every step and turn a scalar into one unlabelled series', async () => {
    const q = store([[{ __name__: 'x' }, pts(m, 1, 2, 3)]]);
    const r = await rangeQuery(q, 'x * 2', 0, 2 * m, m);
    expect(r.series).toEqual([{ labels: {}, points: pts(m, 2, 4, 6) }]);
    const t = await rangeQuery(q, 'time()', 0, 2 * m, m);
    expect(t.series).toEqual([{ labels: {}, points: pts(m, 0, 60, 120) }]);
  });

  it('reject range vectors', async () => {
    const q = store([]);
    await expect(rangeQuery(q, 'x[5m]', 0, m, m)).rejects.toThrow(/invalid expression type "range vector"/);
  });

  it('fetch each selector once for the whole range', async () => {
    const q = store([[{ __name__: 'x' }, pts(m, 1, 2, 3)]]);
    const calls: [number, number][] = [];
    const spy = {
      select: async (...args: Parameters<MemoryQueryable['select']>) => {
        calls.push([args[1], args[2]]);
        return q.select(...args);
      },
    };
    await rangeQuery(spy, 'rate(x[2m]) + x', 2 * m, 10 * m, m);
    expect(calls).toEqual([
      [0, 10 * m],
      [2 * m - 5 * m, 10 * m],
    ]);
  });
});

describe('percent literals in queries', () => {
  it('compare against the ratio', async () => {
    const q = store([
      [{ __name__: 'cpu_usage', host: 'a' }, [{ t: 0, v: 0.85 }]],
      [{ __name__: 'cpu_usage', host: 'b' }, [{ t: 0, v: 0.5 }]],
    ]);
    const v = await instantQuery(q, 'cpu_usage > 80%', 0, { percentLiterals: true });
    expect(values(v)).toEqual({ '{"__name__":"cpu_usage","host":"a"}': 0.85 });
  });
});

describe('annotations', () => {
  it('reports rate() on a name that does not look like a counter', async () => {
    const q = store([[{ __name__: 'temperature' }, pts(m, 1, 2)]]);
    const annotations: Annotation[] = [];
    await instantQuery(q, 'rate(temperature[5m])', m, { annotations });
    expect(annotations).toEqual([
      {
        level: 'info',
        message:
          'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "temperature"',
      },
    ]);
  });
});

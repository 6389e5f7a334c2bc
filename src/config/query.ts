import { z } from 'zod';
import { defaultQueryLimits } from '../metrics/promql/limits.js';
import { duration } from './types.js';

/**
 * `query:` — what one PromQL query may cost, for the API and for rules alike
 * (Prometheus's `query.max-samples`, resolution limit and `query.timeout`).
 */
export const querySchema = z
  .strictObject({
    /** points one query may hold: selected, made by subqueries, returned */
    max_samples: z.number().int().min(1000).max(1_000_000_000).default(defaultQueryLimits.maxSamples),
    /** steps of one subquery (and of a range query): Prometheus's 11,000 points per series */
    max_subquery_steps: z.number().int().min(10).max(10_000_000).default(defaultQueryLimits.maxSubquerySteps),
    /** wall time of one evaluation; checked during it, so it holds while the event loop is busy */
    timeout: duration({ min: 10 }).prefault(`${defaultQueryLimits.timeoutMs}ms`),
  })
  .prefault({});

export type QueryConfig = z.output<typeof querySchema>;

/** The evaluator's limits from the `query:` section. */
export function queryLimits(q: QueryConfig) {
  return { maxSamples: q.max_samples, maxSubquerySteps: q.max_subquery_steps, timeoutMs: q.timeout };
}

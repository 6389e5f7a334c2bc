import { formatDuration } from '../../core/duration.js';
import { type Expr, walk } from './ast.js';
import { PromQLError } from './errors.js';

/**
 * What one query may cost. Prometheus bounds a query by `query.max-samples`
 * (points held at once), its resolution limit (11,000 points per series) and
 * `query.timeout`; Vigil's defaults are smaller because the daemon also runs
 * checks and notifications in the same process.
 */
export interface QueryLimits {
  /** points a query may materialise (selected, produced by subqueries, or returned) */
  maxSamples: number;
  /** evaluation steps of one subquery, like a range query's resolution limit */
  maxSubquerySteps: number;
  /** wall time of the evaluation; checked inside the evaluation, so a busy event loop cannot overrun it */
  timeoutMs: number;
  /** monotonic milliseconds for the deadline; tests pass their own */
  now?: () => number;
}

export const defaultQueryLimits: Readonly<QueryLimits> = Object.freeze({
  maxSamples: 5_000_000,
  maxSubquerySteps: 11_000,
  timeoutMs: 10_000,
});

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));

export function tooManySamples(limit: number): PromQLError {
  return new PromQLError(
    'eval',
    `query processing would load too many samples into memory in query execution (limit query.max_samples = ${fmt(limit)})`,
  );
}

/**
 * Refuses, before any data is read, a query whose subqueries would take too
 * many steps: one subquery past `maxSubquerySteps`, or nested subqueries
 * (times the outer query's steps) past `maxSamples` evaluations.
 */
export function checkQueryShape(
  expr: Expr,
  opts: {
    subqueryStepMs: number;
    outerSteps?: number;
    limits: Pick<QueryLimits, 'maxSamples' | 'maxSubquerySteps'>;
  },
): void {
  const steps = new Map<Expr, number>();
  walk(expr, (node, parents) => {
    if (node.kind !== 'subquery') return;
    const step = node.stepMs || opts.subqueryStepMs;
    const n = Math.ceil(node.rangeMs / step);
    if (!(n <= opts.limits.maxSubquerySteps)) {
      throw new PromQLError(
        'eval',
        `subquery [${formatDuration(node.rangeMs)}:${formatDuration(step)}] would take ${fmt(n)} steps, more than the limit of ${fmt(opts.limits.maxSubquerySteps)} points per timeseries (query.max_subquery_steps)`,
        { position: node.pos },
      );
    }
    let enclosing = opts.outerSteps ?? 1;
    for (const p of parents) enclosing *= steps.get(p) ?? 1;
    const total = enclosing * n;
    steps.set(node, n);
    if (!(total <= opts.limits.maxSamples)) {
      throw new PromQLError(
        'eval',
        `nested subqueries would take ${fmt(total)} evaluation steps, more than query.max_samples = ${fmt(opts.limits.maxSamples)}`,
        { position: node.pos },
      );
    }
  });
}

/**
 * Counts what an evaluation materialises and watches its deadline. The
 * evaluator calls `charge` wherever points are made, so the check runs in
 * bounded slices of work however the query is written.
 */
export class QueryBudget {
  #used = 0;
  #sinceCheck = 0;
  readonly #deadline: number;
  readonly #now: () => number;

  constructor(readonly limits: QueryLimits) {
    this.#now = limits.now ?? (() => performance.now());
    this.#deadline = this.#now() + limits.timeoutMs;
  }

  get used(): number {
    return this.#used;
  }

  /** Points held before the next step (a range query keeps its result so far). */
  reset(held: number): void {
    this.#used = held;
  }

  charge(n: number): void {
    this.#used += n;
    if (this.#used > this.limits.maxSamples) throw tooManySamples(this.limits.maxSamples);
    this.#sinceCheck += n + 1;
    if (this.#sinceCheck >= 1024) {
      this.#sinceCheck = 0;
      this.checkDeadline();
    }
  }

  checkDeadline(): void {
    if (this.#now() > this.#deadline) {
      throw new PromQLError(
        'eval',
        `query timed out in expression evaluation (limit query.timeout = ${this.limits.timeoutMs}ms)`,
      );
    }
  }
}

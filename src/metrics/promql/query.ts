import { labelsKey, sortByLabels, withoutName } from '../../core/labels.js';
import type { Queryable, Series } from '../types.js';
import { AnnotationSet } from './annotations.js';
import type { Expr } from './ast.js';
import { PromQLError } from './errors.js';
import { type EvalContext, StepEvaluator } from './evaluator.js';
import { fetchSelectors } from './fetch.js';
import { checkQueryShape, defaultQueryLimits, QueryBudget, type QueryLimits } from './limits.js';
import { parsePromQL } from './parse.js';
import { typeOf } from './typecheck.js';
import type { Annotation, EvalValue, Matrix, MSeries, Value, VSample } from './values.js';

export interface QueryOptions {
  /** how far back an instant selector looks for a sample; Prometheus's default is 5m */
  lookbackDeltaMs?: number;
  /** the step of subqueries written without one (`[1h:]`); Prometheus uses the evaluation interval */
  subqueryStepMs?: number;
  /** when `expr` is a string: accept `80%` as 0.8 */
  percentLiterals?: boolean;
  /** receives the query's warnings and infos (Prometheus's annotations) */
  annotations?: Annotation[];
  /** samples, subquery steps and time the query may spend; Vigil's defaults otherwise */
  limits?: Partial<QueryLimits>;
}

const defaults = { lookbackDeltaMs: 300_000, subqueryStepMs: 60_000 };

function toExpr(expr: Expr | string, opts: QueryOptions): Expr {
  return typeof expr === 'string'
    ? parsePromQL(expr, { percentLiterals: opts.percentLiterals ?? false })
    : expr;
}

/** Applies delayed name removal and rejects a result with two identical label sets. */
function finalizeVector(samples: VSample[]): VSample[] {
  // Every operator already keeps label sets unique; only dropping names can merge two.
  if (!samples.some((s) => s.dropName)) return samples;
  const seen = new Set<string>();
  const out: VSample[] = [];
  for (const s of samples) {
    const labels = s.dropName ? withoutName(s.labels) : s.labels;
    const k = labelsKey(labels);
    if (seen.has(k)) throw new PromQLError('eval', 'vector cannot contain metrics with the same labelset');
    seen.add(k);
    out.push({ labels, v: s.v });
  }
  return out;
}

function finalizeMatrix(series: MSeries[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const s of series) {
    const labels = s.dropName ? withoutName(s.labels) : s.labels;
    const k = labelsKey(labels);
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, { labels, points: s.points.map((p) => ({ t: p.t, v: p.v })) });
      continue;
    }
    // Series that only differed by the dropped name merge unless they overlap in time.
    const merged = [...prev.points, ...s.points].sort((a, b) => a.t - b.t);
    for (let i = 1; i < merged.length; i++) {
      if (merged[i]!.t === merged[i - 1]!.t) {
        throw new PromQLError('eval', 'vector cannot contain metrics with the same labelset');
      }
    }
    prev.points = merged;
  }
  return [...byKey.values()];
}

async function prepare(q: Queryable, e: Expr, start: number, end: number, step: number, opts: QueryOptions) {
  const lookbackMs = opts.lookbackDeltaMs ?? defaults.lookbackDeltaMs;
  const subqueryStepMs = opts.subqueryStepMs ?? defaults.subqueryStepMs;
  const limits: QueryLimits = { ...defaultQueryLimits, ...opts.limits };
  const outerSteps = step > 0 ? Math.floor((end - start) / step) + 1 : 1;
  // Refused before any data is read: the query's shape alone says it is too big.
  checkQueryShape(e, { subqueryStepMs, outerSteps, limits });
  // The deadline starts before the fetch: a slow store counts against the query's time too.
  const budget = new QueryBudget(limits);
  // What the store reads counts too, as it reads: a query over a year of samples stops at the
  // limit instead of loading them all. Evaluation then counts what it makes, as before.
  const data = await fetchSelectors(q, e, { start, end, lookbackMs, subqueryStepMs }, budget);
  budget.checkDeadline();
  budget.reset(0);
  const ctx: EvalContext = {
    data,
    start,
    end,
    step,
    lookbackMs,
    subqueryStepMs,
    annotations: new AnnotationSet(),
    budget,
  };
  return { ctx, ev: new StepEvaluator(ctx) };
}

/**
 * Evaluates `expr` at `time` (ms). Fetches each selector's data with one
 * `select` call, then evaluates synchronously with Prometheus 3 semantics.
 *
 * @example
 *   const v = await instantQuery(store, 'sum by (job) (rate(http_requests_total[5m]))', Date.now());
 */
export async function instantQuery(
  q: Queryable,
  expr: Expr | string,
  time: number,
  opts: QueryOptions = {},
): Promise<Value> {
  const e = toExpr(expr, opts);
  const { ctx, ev } = await prepare(q, e, time, time, 0, opts);
  const v: EvalValue = ev.eval(e, time);
  opts.annotations?.push(...ctx.annotations.list());
  switch (v.type) {
    case 'scalar':
      return { type: 'scalar', t: time, v: v.v };
    case 'string':
      return { type: 'string', t: time, v: v.v };
    case 'vector':
      return {
        type: 'vector',
        samples: finalizeVector(v.samples).map((s) => ({ labels: s.labels, t: time, v: s.v })),
      };
    case 'matrix':
      return { type: 'matrix', series: finalizeMatrix(v.series) };
  }
}

/**
 * Evaluates `expr` at every step from `start` to `end` (ms, inclusive) as an
 * instant query, fetching data once for the whole range. A scalar becomes one
 * series without labels; series are sorted by their labels.
 */
export async function rangeQuery(
  q: Queryable,
  expr: Expr | string,
  start: number,
  end: number,
  stepMs: number,
  opts: QueryOptions = {},
): Promise<Matrix> {
  const e = toExpr(expr, opts);
  const t = typeOf(e);
  if (t !== 'scalar' && t !== 'vector') {
    const name = t === 'matrix' ? 'range vector' : t;
    throw new PromQLError(
      'type',
      `invalid expression type "${name}" for range query, must be Scalar or instant Vector`,
    );
  }
  if (!(stepMs > 0))
    throw new PromQLError('eval', 'zero or negative query resolution step widths are not accepted');
  if (end < start) throw new PromQLError('eval', 'end timestamp must not be before start time');
  const maxSteps = opts.limits?.maxSubquerySteps ?? defaultQueryLimits.maxSubquerySteps;
  if ((end - start) / stepMs > maxSteps) {
    throw new PromQLError(
      'eval',
      `exceeded maximum resolution of ${maxSteps.toLocaleString('en-US')} points per timeseries`,
    );
  }
  const { ctx, ev } = await prepare(q, e, start, end, stepMs, opts);
  const byKey = new Map<string, Series>();
  let held = 0;
  for (let ts = start; ts <= end; ts += stepMs) {
    // What a step materialises is garbage after it; the result so far is not.
    ctx.budget.reset(held);
    const v = ev.eval(e, ts);
    const samples: VSample[] =
      v.type === 'scalar' ? [{ labels: {}, v: v.v }] : v.type === 'vector' ? v.samples : [];
    for (const s of finalizeVector(samples)) {
      const k = labelsKey(s.labels);
      let series = byKey.get(k);
      if (!series) {
        series = { labels: s.labels, points: [] };
        byKey.set(k, series);
      }
      series.points.push({ t: ts, v: s.v });
      held++;
    }
  }
  opts.annotations?.push(...ctx.annotations.list());
  return { type: 'matrix', series: sortByLabels([...byKey.values()], (s) => s.labels) };
}

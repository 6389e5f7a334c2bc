import type { Point } from '../types.js';
import { type Call, type Expr, unwrapParens } from './ast.js';
import { evalError } from './errors.js';
import type { Evaluator } from './evaluator.js';
import { formatG } from './format.js';
import { kahanInc, MeanAccumulator, quantile } from './numeric.js';
import { extrapolatedRate, instantValue, linearRegression } from './rate.js';
import type { EvalValue, VSample } from './values.js';

/**
 * Functions over a range vector: each turns the points of one series in the
 * window into at most one value. All drop the metric name except
 * first_over_time and last_over_time, which act like an offset.
 */

interface RangeCall {
  points: readonly Point[];
  /** the window is (end - rangeMs, end] */
  end: number;
  rangeMs: number;
  /** the evaluation time (predict_linear extrapolates from it) */
  ts: number;
  scalars: number[];
}

type RangeFn = (c: RangeCall) => number | undefined;

function variance(points: readonly Point[]): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (const p of points) {
    count++;
    const delta = p.v - (mean + cMean);
    [mean, cMean] = kahanInc(delta / count, mean, cMean);
    [aux, cAux] = kahanInc(delta * (p.v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function extremeOverTime(points: readonly Point[], better: (cur: number, best: number) => boolean): Point {
  let best = points[0]!;
  for (const p of points) if (better(p.v, best.v)) best = p;
  return best;
}

function doubleExponentialSmoothing(c: RangeCall): number | undefined {
  const [sf, tf] = c.scalars as [number, number];
  if (!(sf > 0 && sf < 1))
    throw evalError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
  if (!(tf > 0 && tf < 1))
    throw evalError(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
  const pts = c.points;
  if (pts.length < 2) return undefined;
  let s0 = 0;
  let s1 = pts[0]!.v;
  let b = pts[1]!.v - pts[0]!.v;
  for (let i = 1; i < pts.length; i++) {
    const x = sf * pts[i]!.v;
    // The trend is the raw first difference at the start, then smoothed.
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

export const rangeFunctions: Record<string, RangeFn> = {
  rate: (c) => extrapolatedRate(c.points, c.end, c.rangeMs, true, true),
  increase: (c) => extrapolatedRate(c.points, c.end, c.rangeMs, true, false),
  delta: (c) => extrapolatedRate(c.points, c.end, c.rangeMs, false, false),
  irate: (c) => instantValue(c.points, true),
  idelta: (c) => instantValue(c.points, false),
  deriv: (c) => (c.points.length < 2 ? undefined : linearRegression(c.points, c.points[0]!.t)[0]),
  predict_linear: (c) => {
    if (c.points.length < 2) return undefined;
    const [slope, intercept] = linearRegression(c.points, c.ts);
    return slope * c.scalars[0]! + intercept;
  },
  changes: (c) => {
    let n = 0;
    for (let i = 1; i < c.points.length; i++) {
      const a = c.points[i - 1]!.v;
      const b = c.points[i]!.v;
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) n++;
    }
    return n;
  },
  resets: (c) => {
    let n = 0;
    for (let i = 1; i < c.points.length; i++) if (c.points[i]!.v < c.points[i - 1]!.v) n++;
    return n;
  },
  avg_over_time: (c) => {
    const m = new MeanAccumulator();
    for (const p of c.points) m.add(p.v);
    return m.value();
  },
  sum_over_time: (c) => {
    let sum = 0;
    let comp = 0;
    for (const p of c.points) [sum, comp] = kahanInc(p.v, sum, comp);
    return Number.isFinite(sum) || Number.isNaN(sum) ? sum + comp : sum;
  },
  count_over_time: (c) => c.points.length,
  present_over_time: () => 1,
  min_over_time: (c) => extremeOverTime(c.points, (cur, best) => cur < best || Number.isNaN(best)).v,
  max_over_time: (c) => extremeOverTime(c.points, (cur, best) => cur > best || Number.isNaN(best)).v,
  ts_of_min_over_time: (c) =>
    extremeOverTime(c.points, (cur, best) => cur <= best || Number.isNaN(best)).t / 1000,
  ts_of_max_over_time: (c) =>
    extremeOverTime(c.points, (cur, best) => cur >= best || Number.isNaN(best)).t / 1000,
  first_over_time: (c) => c.points[0]!.v,
  last_over_time: (c) => c.points[c.points.length - 1]!.v,
  ts_of_first_over_time: (c) => c.points[0]!.t / 1000,
  ts_of_last_over_time: (c) => c.points[c.points.length - 1]!.t / 1000,
  quantile_over_time: (c) =>
    quantile(
      c.scalars[0]!,
      c.points.map((p) => p.v),
    ),
  stdvar_over_time: (c) => variance(c.points),
  stddev_over_time: (c) => Math.sqrt(variance(c.points)),
  mad_over_time: (c) => {
    const values = c.points.map((p) => p.v);
    if (values.some(Number.isNaN)) return Number.NaN;
    const median = quantile(0.5, values);
    return quantile(
      0.5,
      values.map((v) => Math.abs(v - median)),
    );
  },
  double_exponential_smoothing: doubleExponentialSmoothing,
};

const keepsName = new Set(['first_over_time', 'last_over_time']);
const counterFns = new Set(['rate', 'increase']);

/** Evaluates a call whose range-vector argument is at `matrixIndex`. */
export function evalRangeCall(ev: Evaluator, e: Call, ts: number, matrixIndex: number): EvalValue {
  const scalars: number[] = [];
  e.args.forEach((a, i) => {
    if (i === matrixIndex) return;
    const v = ev.eval(a, ts);
    if (v.type !== 'scalar') throw evalError(`expected a scalar argument to ${e.func}`);
    scalars.push(v.v);
  });
  if (e.func === 'quantile_over_time') {
    const q = scalars[0]!;
    if (Number.isNaN(q) || q < 0 || q > 1) {
      ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got ${formatG(q)}`);
    }
  }
  const arg = ev.range(e.args[matrixIndex]!, ts);
  if (e.func === 'absent_over_time') {
    if (arg.series.length > 0) return { type: 'vector', samples: [] };
    return { type: 'vector', samples: [{ labels: absentLabels(e.args[0]!), v: 1 }] };
  }
  const fn = rangeFunctions[e.func];
  if (!fn) throw evalError(`function ${e.func} is not implemented`);
  const out: VSample[] = [];
  const call: RangeCall = { points: [], end: arg.end, rangeMs: arg.rangeMs, ts, scalars };
  const keep = keepsName.has(e.func);
  const counter = counterFns.has(e.func);
  // the last metric name checked for the counter info: series of one selector share it
  let checked: string | undefined;
  for (const s of arg.series) {
    call.points = s.points;
    const v = fn(call);
    if (v === undefined) continue;
    out.push({ labels: s.labels, v, dropName: keep ? s.dropName === true : true });
    const name = s.labels.__name__;
    if (counter && name !== undefined && name !== checked && !/_(total|sum|count|bucket)$/.test(name)) {
      checked = name;
      ev.ctx.annotations.info(
        `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${JSON.stringify(name)}`,
      );
    }
  }
  return { type: 'vector', samples: out };
}

/**
 * The labels absent() and absent_over_time() give their one sample: the
 * equality matchers of a plain selector argument, except labels matched more
 * than once (Prometheus's historic behaviour).
 */
export function absentLabels(arg: Expr): Record<string, string> {
  const e = unwrapParens(arg);
  const sel = e.kind === 'vectorSelector' ? e : e.kind === 'matrixSelector' ? e.selector : undefined;
  const out: Record<string, string> = {};
  if (!sel) return out;
  const has = new Set<string>();
  for (const m of sel.matchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !has.has(m.name)) {
      if (m.value !== '') out[m.name] = m.value;
      has.add(m.name);
    } else delete out[m.name];
  }
  return out;
}

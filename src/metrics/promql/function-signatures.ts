import type { ValueType } from './ast.js';

/**
 * The static signature of every PromQL function Prometheus 3 knows, used for
 * type checking. `variadic` counts as Prometheus does: 0 = exactly `args`;
 * otherwise the last listed argument is optional and the call may have up to
 * `args.length - 1 + variadic` arguments (-1 = no upper limit), the extra ones
 * typed like the last.
 */
export interface FunctionSignature {
  args: ValueType[];
  variadic: number;
  returns: ValueType;
}

const v = 'vector' as const;
const m = 'matrix' as const;
const s = 'scalar' as const;
const str = 'string' as const;

const sig = (args: ValueType[], returns: ValueType = v, variadic = 0): FunctionSignature => ({
  args,
  variadic,
  returns,
});

const vectorMath = [
  'abs',
  'acos',
  'acosh',
  'asin',
  'asinh',
  'atan',
  'atanh',
  'ceil',
  'cos',
  'cosh',
  'deg',
  'exp',
  'floor',
  'ln',
  'log10',
  'log2',
  'rad',
  'sgn',
  'sin',
  'sinh',
  'sqrt',
  'tan',
  'tanh',
];
const overTime = [
  'avg_over_time',
  'count_over_time',
  'first_over_time',
  'last_over_time',
  'mad_over_time',
  'max_over_time',
  'min_over_time',
  'present_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'sum_over_time',
  'ts_of_first_over_time',
  'ts_of_last_over_time',
  'ts_of_max_over_time',
  'ts_of_min_over_time',
  'absent_over_time',
  'changes',
  'resets',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
];
const dateFns = [
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'hour',
  'minute',
  'month',
  'year',
];

export const functionSignatures: Record<string, FunctionSignature> = {
  ...Object.fromEntries(vectorMath.map((n) => [n, sig([v])])),
  ...Object.fromEntries(overTime.map((n) => [n, sig([m])])),
  ...Object.fromEntries(dateFns.map((n) => [n, sig([v], v, 1)])),
  absent: sig([v]),
  clamp: sig([v, s, s]),
  clamp_max: sig([v, s]),
  clamp_min: sig([v, s]),
  double_exponential_smoothing: sig([m, s, s]),
  end: sig([], s),
  histogram_avg: sig([v]),
  histogram_count: sig([v]),
  histogram_fraction: sig([s, s, v]),
  histogram_quantile: sig([s, v]),
  histogram_quantiles: sig([v, str, s, s], v, 9),
  histogram_stddev: sig([v]),
  histogram_stdvar: sig([v]),
  histogram_sum: sig([v]),
  info: sig([v, v], v, 1),
  label_join: sig([v, str, str, str], v, -1),
  label_replace: sig([v, str, str, str, str]),
  max_of: sig([s, s], s),
  min_of: sig([s, s], s),
  pi: sig([], s),
  predict_linear: sig([m, s]),
  quantile_over_time: sig([s, m]),
  range: sig([], s),
  round: sig([v, s], v, 1),
  scalar: sig([v], s),
  sort: sig([v]),
  sort_desc: sig([v]),
  sort_by_label: sig([v, str], v, -1),
  sort_by_label_desc: sig([v, str], v, -1),
  start: sig([], s),
  start_timestamp: sig([v]),
  step: sig([], s),
  time: sig([], s),
  timestamp: sig([v]),
  vector: sig([s]),
};

/**
 * Functions Prometheus has that we refuse rather than answer wrongly: the
 * native-histogram family (our store holds floats only) and a few experimental
 * ones. `holt_winters` is Prometheus 2's name for double_exponential_smoothing.
 */
export const unsupportedFunctions = new Set([
  'histogram_avg',
  'histogram_count',
  'histogram_fraction',
  'histogram_quantiles',
  'histogram_stddev',
  'histogram_stdvar',
  'histogram_sum',
  'info',
  'start_timestamp',
  'holt_winters',
  'min_of',
  'max_of',
]);

import type { Labels, Point, Series } from '../types.js';

/** One element of an instant vector result. */
export interface Sample {
  labels: Labels;
  /** evaluation time, ms */
  t: number;
  v: number;
}

/** What a query returns, as Prometheus's API types it. */
/** A range vector: what a range query returns and what `metric[5m]` evaluates to. */
export interface Matrix {
  type: 'matrix';
  series: Series[];
}

export type Value =
  | { type: 'vector'; samples: Sample[] }
  | { type: 'scalar'; t: number; v: number }
  | Matrix
  | { type: 'string'; t: number; v: string };

/** A Prometheus annotation: a warning or info attached to a successful query. */
export interface Annotation {
  level: 'warning' | 'info';
  /** the full text, e.g. `PromQL warning: quantile value should be between 0 and 1, got NaN` */
  message: string;
}

/**
 * An element of an instant vector during evaluation. `dropName` implements
 * Prometheus 3's delayed name removal: functions mark the metric name for
 * removal but keep it until the end of the query, so `label_replace` and
 * `by (__name__)` can still see it.
 */
export interface VSample {
  labels: Labels;
  v: number;
  dropName?: boolean;
}

/** A range vector element during evaluation (floats only; stale markers removed). */
export interface MSeries {
  labels: Labels;
  points: Point[];
  dropName?: boolean;
}

export type EvalValue =
  | { type: 'scalar'; v: number }
  | { type: 'string'; v: string }
  | { type: 'vector'; samples: VSample[] }
  | { type: 'matrix'; series: MSeries[] };

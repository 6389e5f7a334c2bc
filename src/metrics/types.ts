/**
 * The data model queries run on, shared by the sample store, the scrape
 * parser and the PromQL evaluator. Times are milliseconds since the epoch.
 */

/** A label set; the metric name is the label `__name__`. */
export type Labels = Readonly<Record<string, string>>;

/**
 * One sample. `stale: true` is a staleness marker (Prometheus writes a special
 * NaN; SQLite cannot keep NaN payloads, so the marker is a flag): the series
 * ended at `t` and lookback must not reach past it.
 */
export interface Point {
  t: number;
  v: number;
  stale?: true;
}

export interface Series {
  labels: Labels;
  /** sorted by t ascending */
  points: Point[];
}

export type MatchType = '=' | '!=' | '=~' | '!~';

/** Regex matchers are fully anchored, as in Prometheus. */
export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
}

/**
 * What the caller will do with a selection. A queryable may ignore hints: they
 * only allow it to return less, never change what the query computes.
 */
export interface SelectHints {
  /**
   * Only the newest point in [mint, maxt] of each series is read (an instant
   * selector of an instant query): the others may be left out.
   */
  lastOnly?: boolean;
  /**
   * Charged with the points read, piece by piece, by a store that reads in pieces: it throws
   * (too many samples, or the query's deadline passed) and the read stops there.
   */
  budget?: { charge(points: number): void };
}

/** Where queries read series from: the store, or an in-memory set in tests. */
export interface Queryable {
  /** Every series matching all matchers, with its points in [mint, maxt] (both inclusive). */
  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): Promise<Series[]>;
}

import type { CheckResult, Sample } from '../checks/types.js';
import { cacheKey } from '../core/cache-key.js';
import { sortByLabels } from '../core/labels.js';
import { compileMatchers } from '../metrics/promql/matchers.js';
import { markInLabelOrder } from '../metrics/series-order.js';
import type { Labels, Matcher, Point, Queryable, SelectHints, Series } from '../metrics/types.js';
import { HeadSeries } from './head-series.js';

/**
 * Recent samples of the metrics that queries ask for, in memory, like
 * Prometheus's head block: rules query the same metrics over the last minutes
 * again and again, and reading them back from SQL each time cost more than
 * evaluating them. A metric becomes "hot" the first time a query names it;
 * from then on its samples are kept for `spanMs`, so memory follows what
 * rules use, not everything checks write. The head answers only windows it
 * holds completely; anything else goes to the database. Only for a store with
 * one writer (SQLite): with several nodes, others write too.
 *
 * Samples sit in typed arrays per series (see HeadSeries), not one object per
 * point: at 100k series the collector otherwise spent half of every rule
 * cycle marking millions of points.
 */
/** selector lists whose matches the head remembers */
const maxCachedSelections = 4096;

export class Head {
  readonly #series = new Map<string, HeadSeries>();
  readonly #byMetric = new Map<string, HeadSeries[]>();
  #newest = Number.NEGATIVE_INFINITY;
  #lastTrim = 0;
  /** metric name → the time after which all its samples are held */
  readonly #hot = new Map<string, number>();
  /** bumped whenever a series is added or dropped: cached selections older than this are void */
  #version = 0;
  /** matchers → the series they select, in label order, as of #version */
  readonly #postings = new Map<string, { version: number; series: HeadSeries[]; clean: boolean }>();

  constructor(
    /** how far back the head keeps samples */
    readonly spanMs: number,
    /** when this process started writing: nothing older is known to be in memory */
    readonly since: number,
  ) {}

  /**
   * True when the head holds every sample of `metric` from `mint` on. Asking
   * about a metric makes it hot: later windows can then come from memory.
   */
  covers(metric: string, mint: number): boolean {
    const since = this.#hot.get(metric);
    if (since === undefined) {
      this.#hot.set(metric, Math.max(this.since, this.#newest));
      return false;
    }
    return mint > since && mint >= this.#newest - this.spanMs;
  }

  append(batch: readonly CheckResult[], extra: readonly (Sample & { ts: number })[]): void {
    for (const r of batch) for (const s of r.samples) this.#add(s, s.ts ?? r.startedAt);
    for (const s of extra) this.#add(s, s.ts);
    if (this.#newest - this.#lastTrim > this.spanMs / 4) this.#trim();
  }

  #add(s: Sample, t: number): void {
    if (t > this.#newest) this.#newest = t;
    if (!this.#hot.has(s.name)) return;
    const key = cacheKey(s.name, s.labels);
    let series = this.#series.get(key);
    if (!series) {
      series = new HeadSeries({ ...s.labels, __name__: s.name });
      this.#series.set(key, series);
      const list = this.#byMetric.get(s.name);
      if (list) list.push(series);
      else this.#byMetric.set(s.name, [series]);
      this.#version++;
    }
    series.add(t, s.stale ? Number.NaN : s.value, s.stale === true);
  }

  #trim(): void {
    this.#lastTrim = this.#newest;
    const cutoff = this.#newest - this.spanMs;
    const emptied = new Set<string>();
    for (const [key, s] of this.#series) {
      if (s.dropBefore(cutoff)) continue;
      this.#series.delete(key);
      emptied.add(s.labels.__name__!);
    }
    if (!emptied.size) return;
    this.#version++;
    for (const name of emptied) {
      const list = this.#byMetric.get(name)!.filter((x) => x.length > 0);
      if (list.length) this.#byMetric.set(name, list);
      else this.#byMetric.delete(name);
    }
  }

  /** The series `matchers` select, in label order; matched once per set of series, not per query. */
  #selected(matchers: readonly Matcher[]): { series: HeadSeries[]; clean: boolean } {
    let key = '';
    for (const m of matchers) key += `${m.name}\u0000${m.type}\u0000${m.value}\u0001`;
    const cached = this.#postings.get(key);
    if (cached?.version === this.#version) return cached;
    const nameEq = matchers.find((m) => m.name === '__name__' && m.type === '=');
    const candidates = nameEq ? (this.#byMetric.get(nameEq.value) ?? []) : [...this.#series.values()];
    const matches = compileMatchers(matchers);
    const series = sortByLabels(
      candidates.filter((s) => matches(s.labels)),
      (s) => s.labels,
    );
    // no empty-valued label: the evaluator can take these series as they are
    const clean = series.every((s) => Object.values(s.labels).every((v) => v !== ''));
    const entry = { version: this.#version, series, clean };
    // Rules ask the same few hundred selectors again and again; ad-hoc queries must not grow this for ever.
    if (this.#postings.size >= maxCachedSelections) this.#postings.clear();
    this.#postings.set(key, entry);
    return entry;
  }

  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): Series[] {
    const { series, clean } = this.#selected(matchers);
    const out: Series[] = [];
    for (const s of series) {
      const points: Point[] = hints?.lastOnly ? s.last(mint, maxt) : s.points(mint, maxt);
      if (points.length) out.push({ labels: s.labels as Labels, points });
    }
    return clean ? markInLabelOrder(out) : out;
  }
}

/** Queries the head when it covers the window, the database otherwise. */
export function withHead(head: Head, db: Queryable): Queryable {
  return {
    async select(matchers, mint, maxt, hints) {
      const name = matchers.find((m) => m.name === '__name__' && m.type === '=')?.value;
      return name !== undefined && head.covers(name, mint)
        ? head.select(matchers, mint, maxt, hints)
        : db.select(matchers, mint, maxt, hints);
    },
  };
}

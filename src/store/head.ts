import type { CheckResult, Sample } from '../checks/types.js';
import { cacheKey } from '../core/cache-key.js';
import { compileMatchers } from '../metrics/promql/matchers.js';
import type { Labels, Matcher, Point, Queryable, Series } from '../metrics/types.js';

/**
 * Recent samples of the metrics that queries ask for, in memory, like
 * Prometheus's head block: rules query the same metrics over the last minutes
 * again and again, and reading them back from SQL each time cost more than
 * evaluating them. A metric becomes "hot" the first time a query names it;
 * from then on its samples are kept for `spanMs`, so memory follows what
 * rules use, not everything checks write. The head answers only windows it
 * holds completely; anything else goes to the database. Only for a store with
 * one writer (SQLite): with several nodes, others write too.
 */
export class Head {
  readonly #series = new Map<string, Series>();
  readonly #byMetric = new Map<string, Series[]>();
  #newest = Number.NEGATIVE_INFINITY;
  #lastTrim = 0;
  /** metric name → the time after which all its samples are held */
  readonly #hot = new Map<string, number>();

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
      series = { labels: { ...s.labels, __name__: s.name }, points: [] };
      this.#series.set(key, series);
      const list = this.#byMetric.get(s.name);
      if (list) list.push(series);
      else this.#byMetric.set(s.name, [series]);
    }
    const p: Point = s.stale ? { t, v: Number.NaN, stale: true } : { t, v: s.value };
    const pts = series.points;
    const last = pts[pts.length - 1];
    if (!last || last.t < t) pts.push(p);
    else if (last.t !== t) {
      // rare: out of order within the head; keep points sorted
      let i = pts.length - 1;
      while (i > 0 && pts[i - 1]!.t > t) i--;
      if (pts[i - 1]?.t !== t) pts.splice(i, 0, p);
    }
  }

  #trim(): void {
    this.#lastTrim = this.#newest;
    const cutoff = this.#newest - this.spanMs;
    for (const [key, s] of this.#series) {
      let i = 0;
      while (i < s.points.length && s.points[i]!.t < cutoff) i++;
      if (i) s.points.splice(0, i);
      if (!s.points.length) {
        this.#series.delete(key);
        const name = s.labels.__name__!;
        const list = this.#byMetric.get(name)!.filter((x) => x !== s);
        if (list.length) this.#byMetric.set(name, list);
        else this.#byMetric.delete(name);
      }
    }
  }

  select(matchers: readonly Matcher[], mint: number, maxt: number): Series[] {
    const nameEq = matchers.find((m) => m.name === '__name__' && m.type === '=');
    const candidates = nameEq ? (this.#byMetric.get(nameEq.value) ?? []) : [...this.#series.values()];
    const matches = compileMatchers(matchers);
    const out: Series[] = [];
    for (const s of candidates) {
      if (!matches(s.labels)) continue;
      const points = s.points.filter((p) => p.t >= mint && p.t <= maxt);
      if (points.length) out.push({ labels: s.labels as Labels, points });
    }
    return out;
  }
}

/** Queries the head when it covers the window, the database otherwise. */
export function withHead(head: Head, db: Queryable): Queryable {
  return {
    async select(matchers, mint, maxt) {
      const name = matchers.find((m) => m.name === '__name__' && m.type === '=')?.value;
      return name !== undefined && head.covers(name, mint)
        ? head.select(matchers, mint, maxt)
        : db.select(matchers, mint, maxt);
    },
  };
}

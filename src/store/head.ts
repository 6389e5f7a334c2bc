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
 * from then on its samples are kept for the widest window queries have asked
 * of it (at most `spanMs`), so memory follows what rules use, not everything
 * checks write: `up == 0` keeps about 6 minutes of `up`, not 15. The head answers only windows it
 * holds completely; anything else goes to the database. Only for a store with
 * one writer (SQLite): with several nodes, others write too.
 *
 * Samples sit in typed arrays per series (see HeadSeries), not one object per
 * point: at 100k series the collector otherwise spent half of every rule
 * cycle marking millions of points.
 */
/** selector lists whose matches the head remembers */
const maxCachedSelections = 4096;
/** kept beyond the widest window asked: evaluation times run a little ahead of the newest sample */
const keepMarginMs = 60_000;

export class Head {
  /** by the key of the order its labels were written in (see cacheKey) */
  readonly #series = new Map<string, HeadSeries>();
  /** by name and labels in sorted order: one series however its labels were ordered */
  readonly #canonical = new Map<string, HeadSeries>();
  readonly #byMetric = new Map<string, HeadSeries[]>();
  #newest = Number.NEGATIVE_INFINITY;
  #lastTrim = 0;
  /**
   * metric name → the time after which all its samples are held, and how far back from the
   * newest sample they are kept: the widest window asked, plus a minute
   */
  readonly #hot = new Map<string, { since: number; keep: number; seeding?: Promise<boolean> }>();
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
  covers(metric: string, mint: number, maxt?: number): boolean {
    // A window of unknown width keeps the whole span.
    const keep = Math.min(this.spanMs, maxt === undefined ? this.spanMs : maxt - mint + keepMarginMs);
    const hot = this.#hot.get(metric);
    if (hot === undefined) {
      this.#hot.set(metric, { since: Math.max(this.since, this.#newest), keep });
      return false;
    }
    // A wider window than before is kept from now on; what was trimmed comes from the database.
    if (keep > hot.keep) hot.keep = keep;
    return this.#holds(hot, mint);
  }

  /** Whether samples from `mint` on are all in memory, without making anything wider. */
  #holds(hot: { since: number; keep: number }, mint: number): boolean {
    return mint > hot.since && mint >= this.#newest - hot.keep;
  }

  append(batch: readonly CheckResult[], extra: readonly (Sample & { ts: number })[]): void {
    for (const r of batch) for (const s of r.samples) this.#add(s, s.ts ?? r.startedAt);
    for (const s of extra) this.#add(s, s.ts);
    if (this.#newest - this.#lastTrim > Math.min(this.spanMs / 4, keepMarginMs)) this.#trim();
  }

  #add(s: Sample, t: number): void {
    if (t > this.#newest) this.#newest = t;
    if (!this.#hot.has(s.name)) return;
    const key = cacheKey(s.name, s.labels);
    let series = this.#series.get(key);
    if (!series) {
      series = this.#seriesOf(s.name, s.labels ?? {});
      this.#series.set(key, series);
    }
    series.add(t, s.stale ? Number.NaN : s.value, s.stale === true);
  }

  /** The series of these labels (without __name__), made when new. */
  #seriesOf(name: string, labels: Readonly<Record<string, string>>): HeadSeries {
    let ck = name;
    for (const k of Object.keys(labels).sort()) ck += `\u0000${k}\u0001${labels[k]}`;
    let series = this.#canonical.get(ck);
    if (!series) {
      series = new HeadSeries({ ...labels, __name__: name });
      this.#canonical.set(ck, series);
      const list = this.#byMetric.get(name);
      if (list) list.push(series);
      else this.#byMetric.set(name, [series]);
      this.#version++;
    }
    return series;
  }

  /**
   * Fills a metric that just became hot with what the database holds of its window, once, so
   * the head answers from the first query on instead of after a whole window has passed: until
   * then every rule evaluation read minutes of samples back from SQL (170–380 ms at 1,000
   * checks). True when the head now covers `mint`. Concurrent callers share one read.
   */
  seed(
    metric: string,
    mint: number,
    read: (from: number, to: number) => Promise<readonly Series[]>,
  ): Promise<boolean> {
    const hot = this.#hot.get(metric);
    if (!hot) return Promise.resolve(false);
    // Asked again after the fill, `covers` without the window's end would widen what is kept to
    // the whole span: every seeded metric kept 15 minutes instead of its window and a minute.
    if (hot.seeding) return hot.seeding.then(() => this.#holds(hot, mint));
    // Only a window the head keeps is worth reading: a wider one (an hour on a chart) goes to the
    // database as it is, and fills nothing.
    const from = Number.isFinite(this.#newest) ? this.#newest - hot.keep : mint;
    const to = hot.since;
    if (mint < from || !(from <= to)) return Promise.resolve(false);
    const seeding = (async () => {
      const found = await read(from, to);
      for (const s of found) {
        const { __name__: _, ...labels } = s.labels;
        this.#seriesOf(metric, labels).prepend(s.points, to);
      }
      hot.since = Math.min(hot.since, from - 1);
      return true;
    })();
    hot.seeding = seeding;
    // A failed read (the query's limit, the store down) may be tried again by a later query.
    seeding.catch(() => {
      if (hot.seeding === seeding) hot.seeding = undefined;
    });
    return seeding.then(() => this.#holds(hot, mint));
  }

  #trim(): void {
    this.#lastTrim = this.#newest;
    for (const hot of this.#hot.values()) hot.since = Math.max(hot.since, this.#newest - hot.keep);
    const emptied = new Set<string>();
    for (const [key, s] of this.#canonical) {
      const hot = this.#hot.get(s.labels.__name__!);
      if (s.dropBefore(this.#newest - (hot?.keep ?? this.spanMs))) continue;
      this.#canonical.delete(key);
      emptied.add(s.labels.__name__!);
    }
    if (emptied.size) for (const [key, s] of this.#series) if (!s.length) this.#series.delete(key);
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
    const candidates = nameEq ? (this.#byMetric.get(nameEq.value) ?? []) : [...this.#canonical.values()];
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
      if (name === undefined) return db.select(matchers, mint, maxt, hints);
      if (head.covers(name, mint, maxt)) return head.select(matchers, mint, maxt, hints);
      const metric = [{ name: '__name__', type: '=' as const, value: name }];
      const budget = hints?.budget ? { budget: hints.budget } : undefined;
      if (await head.seed(name, mint, (from, to) => db.select(metric, from, to, budget)))
        return head.select(matchers, mint, maxt, hints);
      return db.select(matchers, mint, maxt, hints);
    },
  };
}

import { labelsKey } from '../../core/labels.js';
import type { Labels, Matcher, Point, Queryable, SelectHints, Series } from '../types.js';
import { compileMatchers } from './matchers.js';

/**
 * An in-memory Queryable: the promqltest runner loads its series here, unit
 * tests build fixtures with it, and `vigil test rules` evaluates rule files
 * against it. Points are kept sorted; adding a point at an existing timestamp
 * replaces it.
 */
export class MemoryQueryable implements Queryable {
  private readonly series = new Map<string, Series>();

  /** Adds points to the series with exactly these labels. */
  add(labels: Labels, points: readonly Point[]): void {
    const k = labelsKey(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels: { ...labels }, points: [] };
      this.series.set(k, s);
    }
    for (const p of points) insertPoint(s.points, p);
  }

  clear(): void {
    this.series.clear();
  }

  /** Every stored series (for inspection in tests). */
  all(): Series[] {
    return [...this.series.values()];
  }

  /** Matching series with their points in [mint, maxt]; the arrays returned must not be mutated. */
  async select(
    matchers: readonly Matcher[],
    mint: number,
    maxt: number,
    hints?: SelectHints,
  ): Promise<Series[]> {
    const match = compileMatchers(matchers);
    const out: Series[] = [];
    for (const s of this.series.values()) {
      if (!match(s.labels)) continue;
      const lo = firstAtOrAfter(s.points, mint);
      const hi = firstAtOrAfter(s.points, maxt + 1);
      if (hi <= lo) continue;
      // The hint is honoured (the store's head does the same), so conformance runs exercise it.
      if (hints?.lastOnly) {
        out.push({ labels: s.labels, points: [s.points[hi - 1]!] });
        continue;
      }
      // Most selects cover whole series: share the array instead of copying it.
      out.push({
        labels: s.labels,
        points: lo === 0 && hi === s.points.length ? s.points : s.points.slice(lo, hi),
      });
    }
    return out;
  }
}

function firstAtOrAfter(points: readonly Point[], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertPoint(points: Point[], p: Point): void {
  const last = points[points.length - 1];
  if (!last || last.t < p.t) {
    points.push(p);
    return;
  }
  const lo = firstAtOrAfter(points, p.t);
  if (points[lo]?.t === p.t) points[lo] = p;
  else points.splice(lo, 0, p);
}

import { labelsKey } from '../core/labels.js';
import { compileMatchers } from './promql/matchers.js';
import type { Matcher, Queryable, Series } from './types.js';

/**
 * A queryable with extra in-memory series laid over another: a rule group's
 * recording rules are visible to the rules after them in the same evaluation,
 * before anything is written to the store (as in Prometheus).
 */
export function overlay(base: Queryable, extra: readonly Series[]): Queryable {
  if (!extra.length) return base;
  return {
    async select(matchers: readonly Matcher[], mint: number, maxt: number): Promise<Series[]> {
      const fromBase = await base.select(matchers, mint, maxt);
      const matches = compileMatchers(matchers);
      const relevant = extra.filter(
        (s) => matches(s.labels) && s.points.some((p) => p.t >= mint && p.t <= maxt),
      );
      // Most selectors read none of the group's own outputs: skip keying every base series.
      if (!relevant.length) return fromBase;
      const byKey = new Map(fromBase.map((s) => [key(s), s]));
      for (const s of relevant) {
        const points = s.points.filter((p) => p.t >= mint && p.t <= maxt);
        const existing = byKey.get(key(s));
        if (existing) {
          const merged = new Map(existing.points.map((p) => [p.t, p]));
          for (const p of points) merged.set(p.t, p);
          byKey.set(key(s), { labels: s.labels, points: [...merged.values()].sort((a, b) => a.t - b.t) });
        } else byKey.set(key(s), { labels: s.labels, points });
      }
      return [...byKey.values()];
    },
  };
}

const key = (s: Series) => labelsKey(s.labels);

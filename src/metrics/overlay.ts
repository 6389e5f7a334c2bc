import { labelsKey } from '../core/labels.js';
import { compileMatchers } from './promql/matchers.js';
import type { Matcher, Queryable, Series } from './types.js';

/**
 * A queryable with extra in-memory series laid over another: a rule group's
 * recording rules are visible to the rules after them in the same evaluation,
 * before anything is written to the store (as in Prometheus). `extra` holds
 * the series by metric name, so a selector naming its metric looks only at
 * those (a group of alerts adds thousands of ALERTS series, which other
 * selectors must not scan once per rule).
 */
export function overlay(base: Queryable, extra: ReadonlyMap<string, readonly Series[]>): Queryable {
  if (!extra.size) return base;
  return {
    async select(matchers: readonly Matcher[], mint: number, maxt: number, hints): Promise<Series[]> {
      const name = matchers.find((m) => m.name === '__name__' && m.type === '=')?.value;
      const candidates = name !== undefined ? (extra.get(name) ?? []) : [...extra.values()].flat();
      const matches = compileMatchers(matchers);
      const relevant = candidates.filter(
        (s) => matches(s.labels) && s.points.some((p) => p.t >= mint && p.t <= maxt),
      );
      // Most selectors read none of the group's own outputs: skip keying every base series.
      if (!relevant.length) return base.select(matchers, mint, maxt, hints);
      // Merging needs every point of the base in the window, whatever the hint.
      const fromBase = await base.select(matchers, mint, maxt);
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

/**
 * A queryable that answers a selection asked twice with the first answer: the
 * rules of one group evaluation read the store as of one moment, and rules
 * that share a selector (the same metric behind several thresholds) share one
 * fetch. Live for one evaluation only; a failed selection is not kept.
 */
export function sharedSelections(base: Queryable): Queryable {
  const answers = new Map<string, Promise<Series[]>>();
  return {
    select(matchers, mint, maxt, hints) {
      let k = `${mint}\u0000${maxt}\u0000${hints?.lastOnly ? 1 : 0}`;
      for (const m of matchers) k += `\u0001${m.name}\u0000${m.type}\u0000${m.value}`;
      let answer = answers.get(k);
      if (!answer) {
        answer = base.select(matchers, mint, maxt, hints);
        answers.set(k, answer);
        answer.catch(() => answers.delete(k));
      }
      return answer;
    },
  };
}

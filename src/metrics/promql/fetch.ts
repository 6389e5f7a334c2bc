import { sortByLabels } from '../../core/labels.js';
import { isInLabelOrder } from '../series-order.js';
import type { Point, Queryable, SelectHints, Series } from '../types.js';
import type { AtModifier, Expr, VectorSelector } from './ast.js';

/**
 * Before evaluating, find every selector in the expression, work out the
 * one time window that covers all evaluation steps (ranges, offsets, `@`,
 * subqueries, the lookback), and call `select` once per selector. The
 * evaluation itself is then synchronous and never touches the store.
 */

export interface QueryBounds {
  start: number;
  end: number;
  lookbackMs: number;
  subqueryStepMs: number;
}

interface Window {
  mint: number;
  maxt: number;
  /** read only as an instant at maxt: the newest point of each series is all that counts */
  lastOnly: boolean;
}

export function resolveAt(at: AtModifier, b: { start: number; end: number }): number {
  return at.kind === 'time' ? at.ms : at.kind === 'start' ? b.start : b.end;
}

/** Where a subquery's inner evaluations fall for outer evaluation time `t`. */
export function subqueryTimes(
  e: Extract<Expr, { kind: 'subquery' }>,
  t: number,
  b: { start: number; end: number; subqueryStepMs: number },
): number[] {
  const base = e.at ? resolveAt(e.at, b) : t;
  const end = base - e.offsetMs;
  const step = e.stepMs || b.subqueryStepMs;
  const lowest = end - e.rangeMs;
  let first = Math.floor(lowest / step) * step;
  if (first <= lowest) first += step;
  const out: number[] = [];
  for (let ts = first; ts <= end; ts += step) out.push(ts);
  return out;
}

function plan(
  e: Expr,
  from: number,
  to: number,
  b: QueryBounds,
  out: Map<VectorSelector, Window>,
  rangeMs = 0,
): void {
  switch (e.kind) {
    case 'vectorSelector': {
      const s = (e.at ? resolveAt(e.at, b) : from) - e.offsetMs;
      const t = (e.at ? resolveAt(e.at, b) : to) - e.offsetMs;
      // One evaluation time and no range: the evaluator looks only at the last point at or before maxt.
      const w = {
        mint: s - (rangeMs > 0 ? rangeMs : b.lookbackMs),
        maxt: t,
        lastOnly: rangeMs === 0 && s === t,
      };
      const prev = out.get(e);
      out.set(
        e,
        prev
          ? {
              mint: Math.min(prev.mint, w.mint),
              maxt: Math.max(prev.maxt, w.maxt),
              lastOnly: prev.lastOnly && w.lastOnly && prev.maxt === w.maxt,
            }
          : w,
      );
      return;
    }
    case 'matrixSelector':
      plan(e.selector, from, to, b, out, e.rangeMs);
      return;
    case 'subquery': {
      const s = (e.at ? resolveAt(e.at, b) : from) - e.offsetMs - e.rangeMs;
      const t = (e.at ? resolveAt(e.at, b) : to) - e.offsetMs;
      plan(e.expr, s, t, b, out);
      return;
    }
    case 'paren':
    case 'unary':
      plan(e.expr, from, to, b, out);
      return;
    case 'binary':
      plan(e.lhs, from, to, b, out);
      plan(e.rhs, from, to, b, out);
      return;
    case 'call':
      for (const a of e.args) plan(a, from, to, b, out);
      return;
    case 'aggregate':
      if (e.param) plan(e.param, from, to, b, out);
      plan(e.expr, from, to, b, out);
      return;
    default:
      return;
  }
}

/** Selector data, sorted by labels like Prometheus's storage returns it. */
export type SelectorData = Map<VectorSelector, Series[]>;

export async function fetchSelectors(
  q: Queryable,
  expr: Expr,
  b: QueryBounds,
  budget?: SelectHints['budget'],
): Promise<SelectorData> {
  const windows = new Map<VectorSelector, Window>();
  plan(expr, b.start, b.end, b, windows);
  const data: SelectorData = new Map();
  for (const [sel, w] of windows) {
    const hints: SelectHints | undefined =
      w.lastOnly || budget
        ? { ...(w.lastOnly ? { lastOnly: true } : {}), ...(budget ? { budget } : {}) }
        : undefined;
    const series = await q.select(sel.matchers, w.mint, w.maxt, hints);
    data.set(sel, isInLabelOrder(series) ? series : sortByLabels(series.map(normalize), (x) => x.labels));
  }
  return data;
}

/** Drops empty-valued labels (Prometheus has none) and makes sure points are ordered. */
function normalize(s: Series): Series {
  let hasEmpty = false;
  for (const n in s.labels) if (s.labels[n] === '') hasEmpty = true;
  const labels = hasEmpty
    ? Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== ''))
    : s.labels;
  let sorted = true;
  for (let i = 1; i < s.points.length; i++) {
    if (s.points[i]!.t < s.points[i - 1]!.t) {
      sorted = false;
      break;
    }
  }
  const points: Point[] = sorted ? s.points : [...s.points].sort((a, c) => a.t - c.t);
  return { labels, points };
}

import { labelsKey } from '../../core/labels.js';
import type { Point, Series } from '../types.js';
import { evalAggregate } from './aggregate.js';
import type { AnnotationSet } from './annotations.js';
import { type Expr, type MatrixSelector, unwrapParens, type VectorSelector } from './ast.js';
import { evalBinary } from './binary.js';
import { evalError } from './errors.js';
import { resolveAt, type SelectorData, subqueryTimes } from './fetch.js';
import { evalCall } from './functions.js';
import type { QueryBudget } from './limits.js';
import type { EvalValue, MSeries, VSample } from './values.js';

/** Everything one query's evaluation steps share. */
export interface EvalContext {
  data: SelectorData;
  /** query bounds for start()/end()/@ start(); equal for an instant query */
  start: number;
  end: number;
  /** 0 for an instant query */
  step: number;
  lookbackMs: number;
  subqueryStepMs: number;
  annotations: AnnotationSet;
  /** samples and time this query may still spend */
  budget: QueryBudget;
}

/** What sub-evaluators (binary, aggregate, functions) get: the context and recursion. */
export interface Evaluator {
  ctx: EvalContext;
  eval(e: Expr, ts: number): EvalValue;
  /** a selector's samples at `ts`; `times` receives the timestamp of the point each came from */
  instant(sel: VectorSelector, ts: number, times?: number[]): VSample[];
  /** the range vector an argument denotes at `ts`, and the window it covers */
  range(e: Expr, ts: number): RangeArg;
}

export interface RangeArg {
  series: MSeries[];
  /** the window is (end - rangeMs, end] */
  end: number;
  rangeMs: number;
}

/** Index of the last point with t <= ts, or -1. */
export function lastAtOrBefore(points: readonly Point[], ts: number): number {
  let lo = 0;
  let hi = points.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.t <= ts) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

export class StepEvaluator implements Evaluator {
  constructor(readonly ctx: EvalContext) {}

  private seriesOf(sel: VectorSelector): Series[] {
    return this.ctx.data.get(sel) ?? [];
  }

  private refTime(sel: { at?: VectorSelector['at']; offsetMs: number }, ts: number): number {
    return (sel.at ? resolveAt(sel.at, this.ctx) : ts) - sel.offsetMs;
  }

  /** The instant vector a selector denotes at `ts`; `times` receives each sample's own timestamp. */
  instant(sel: VectorSelector, ts: number, times?: number[]): VSample[] {
    const ref = this.refTime(sel, ts);
    const out: VSample[] = [];
    for (const s of this.seriesOf(sel)) {
      const i = lastAtOrBefore(s.points, ref);
      if (i < 0) continue;
      const p = s.points[i]!;
      // A stale marker newer than the last real sample hides the series.
      if (p.stale || p.t <= ref - this.ctx.lookbackMs) continue;
      out.push({ labels: s.labels, v: p.v });
      times?.push(p.t);
    }
    this.ctx.budget.charge(out.length);
    return out;
  }

  private matrix(m: MatrixSelector, ts: number): RangeArg {
    const end = this.refTime(m.selector, ts);
    const start = end - m.rangeMs;
    const series: MSeries[] = [];
    for (const s of this.seriesOf(m.selector)) {
      const hi = lastAtOrBefore(s.points, end);
      const lo = lastAtOrBefore(s.points, start) + 1;
      if (hi < lo) continue;
      let stale = false;
      for (let i = lo; i <= hi; i++) if (s.points[i]!.stale) stale = true;
      const points = stale ? s.points.slice(lo, hi + 1).filter((p) => !p.stale) : s.points.slice(lo, hi + 1);
      if (points.length > 0) series.push({ labels: s.labels, points });
      this.ctx.budget.charge(points.length);
    }
    return { series, end, rangeMs: m.rangeMs };
  }

  private subquery(e: Extract<Expr, { kind: 'subquery' }>, ts: number): RangeArg {
    const times = subqueryTimes(e, ts, this.ctx);
    const byKey = new Map<string, MSeries>();
    for (const t of times) {
      const v = this.eval(e.expr, t);
      if (v.type !== 'vector') throw evalError('subquery is only allowed on instant vector');
      for (const s of v.samples) {
        const k = labelsKey(s.labels) + (s.dropName ? '\u0002' : '');
        let ms = byKey.get(k);
        if (!ms) {
          ms = { labels: s.labels, points: [], ...(s.dropName ? { dropName: true } : {}) };
          byKey.set(k, ms);
        }
        ms.points.push({ t, v: s.v });
      }
      this.ctx.budget.charge(v.samples.length);
    }
    const end = (e.at ? resolveAt(e.at, this.ctx) : ts) - e.offsetMs;
    return { series: [...byKey.values()], end, rangeMs: e.rangeMs };
  }

  range(arg: Expr, ts: number): RangeArg {
    const e = unwrapParens(arg);
    if (e.kind === 'matrixSelector') return this.matrix(e, ts);
    if (e.kind === 'subquery') return this.subquery(e, ts);
    throw evalError(`expected a range vector, got ${e.kind}`);
  }

  eval(e: Expr, ts: number): EvalValue {
    // Every node counts, so even a query that makes no points reaches the deadline check.
    this.ctx.budget.charge(0);
    switch (e.kind) {
      case 'number':
        return { type: 'scalar', v: e.value };
      case 'string':
        return { type: 'string', v: e.value };
      case 'paren':
        return this.eval(e.expr, ts);
      case 'vectorSelector':
        return { type: 'vector', samples: this.instant(e, ts) };
      case 'matrixSelector':
      case 'subquery':
        return { type: 'matrix', series: this.range(e, ts).series };
      case 'unary': {
        const v = this.eval(e.expr, ts);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', v: -v.v };
        if (v.type !== 'vector') throw evalError('unary minus on a non-numeric value');
        return {
          type: 'vector',
          samples: v.samples.map((s) => ({ labels: s.labels, v: -s.v, dropName: true })),
        };
      }
      case 'binary':
        return evalBinary(this, e, ts);
      case 'aggregate':
        return evalAggregate(this, e, ts);
      case 'call':
        return evalCall(this, e, ts);
    }
  }
}

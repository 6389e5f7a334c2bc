import { keyFor, keyWithout, omit, pick } from '../../core/labels.js';
import type { Labels } from '../types.js';
import type { AggregateExpr } from './ast.js';
import { evalError } from './errors.js';
import type { Evaluator } from './evaluator.js';
import { formatFloatF, formatG, goQuote } from './format.js';
import { isValidLabelName } from './lexical.js';
import { kahanInc, MeanAccumulator, nanFirstAscending, quantile } from './numeric.js';
import type { EvalValue, VSample } from './values.js';

/** Aggregation operators, one evaluation step at a time, groups hashed by key. */

interface Group {
  labels: Labels;
  members: VSample[];
}

function groupBy(samples: VSample[], e: AggregateExpr, grouping: string[]): Group[] {
  const sorted = [...grouping].sort();
  const excluded = new Set(grouping);
  const groups = new Map<string, Group>();
  for (const s of samples) {
    const k = e.without ? keyWithout(s.labels, excluded) : keyFor(s.labels, sorted);
    let g = groups.get(k);
    if (!g) {
      const labels = e.without ? omit(s.labels, grouping, true) : pick(s.labels, grouping);
      g = { labels, members: [] };
      groups.set(k, g);
    }
    g.members.push(s);
  }
  return [...groups.values()];
}

function scalarParam(ev: Evaluator, e: AggregateExpr, ts: number): number {
  const p = ev.eval(e.param!, ts);
  if (p.type !== 'scalar') throw evalError('aggregation parameter must be a scalar');
  return p.v;
}

export function evalAggregate(ev: Evaluator, e: AggregateExpr, ts: number): EvalValue {
  if (e.op === 'count_values') return countValues(ev, e, ts);
  const param = e.param ? scalarParam(ev, e, ts) : 0;
  const input = ev.eval(e.expr, ts);
  if (input.type !== 'vector') throw evalError('aggregation expects an instant vector');
  if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk') return selectK(e, param, input.samples);
  if (e.op === 'quantile' && (Number.isNaN(param) || param < 0 || param > 1)) {
    ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got ${formatG(param)}`);
  }
  const out: VSample[] = [];
  for (const g of groupBy(input.samples, e, e.grouping)) {
    const dropName = g.members.some((s) => s.dropName);
    out.push({
      labels: g.labels,
      v: aggregateValues(e.op, g.members, param),
      ...(dropName ? { dropName } : {}),
    });
  }
  return { type: 'vector', samples: out };
}

function aggregateValues(op: AggregateExpr['op'], members: VSample[], param: number): number {
  const first = members[0]!.v;
  switch (op) {
    case 'sum': {
      let sum = first;
      let c = 0;
      for (let i = 1; i < members.length; i++) [sum, c] = kahanInc(members[i]!.v, sum, c);
      return sum + c;
    }
    case 'avg': {
      const m = new MeanAccumulator();
      for (const s of members) m.add(s.v);
      return m.value();
    }
    case 'count':
      return members.length;
    case 'group':
      return 1;
    case 'max': {
      let v = first;
      for (const s of members) if (v < s.v || Number.isNaN(v)) v = s.v;
      return v;
    }
    case 'min': {
      let v = first;
      for (const s of members) if (v > s.v || Number.isNaN(v)) v = s.v;
      return v;
    }
    case 'stddev':
    case 'stdvar': {
      // Welford's online variance, seeded as Prometheus does (NaN once a non-finite value is first).
      let acc = Number.isFinite(first) ? 0 : Number.NaN;
      let mean = first;
      let n = 1;
      for (let i = 1; i < members.length; i++) {
        const f = members[i]!.v;
        n++;
        const delta = f - mean;
        mean += delta / n;
        acc += delta * (f - mean);
      }
      return op === 'stdvar' ? acc / n : Math.sqrt(acc / n);
    }
    case 'quantile':
      return quantile(
        param,
        members.map((s) => s.v),
      );
    default:
      throw evalError(`unexpected aggregation ${op}`);
  }
}

function selectK(e: AggregateExpr, param: number, samples: VSample[]): EvalValue {
  if (param < 1) return { type: 'vector', samples: [] };
  if (Number.isNaN(param)) throw evalError('Parameter value is NaN');
  if (param >= 2 ** 63) throw evalError(`Scalar value ${formatG(param)} overflows int64`);
  const k = Math.min(Math.trunc(param), samples.length);
  const out: VSample[] = [];
  for (const g of groupBy(samples, e, e.grouping)) {
    if (e.op === 'limitk') {
      out.push(...g.members.slice(0, k));
      continue;
    }
    // NaN sorts last for both: it is the smallest for topk and the largest for bottomk.
    const dir = e.op === 'topk' ? -1 : 1;
    const ranked = [...g.members].sort((a, b) => {
      if (Number.isNaN(a.v) || Number.isNaN(b.v)) return -nanFirstAscending(a.v, b.v);
      return dir * (a.v - b.v) || 0;
    });
    out.push(...ranked.slice(0, k));
  }
  return { type: 'vector', samples: out };
}

function countValues(ev: Evaluator, e: AggregateExpr, ts: number): EvalValue {
  const p = ev.eval(e.param!, ts);
  if (p.type !== 'string') throw evalError('count_values parameter must be a string');
  const label = p.v;
  if (!isValidLabelName(label)) throw evalError(`invalid label name ${goQuote(label)}`);
  const input = ev.eval(e.expr, ts);
  if (input.type !== 'vector') throw evalError('aggregation expects an instant vector');
  const withValue = input.samples.map((s) => ({
    labels: { ...s.labels, [label]: formatFloatF(s.v) },
    v: s.v,
  }));
  const grouping = e.without ? e.grouping : [...e.grouping, label];
  return {
    type: 'vector',
    samples: groupBy(withValue, e, grouping).map((g) => ({ labels: g.labels, v: g.members.length })),
  };
}

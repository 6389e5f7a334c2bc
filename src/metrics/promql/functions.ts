import { keyWithout, omit } from '../../core/labels.js';
import { type Call, unwrapParens } from './ast.js';
import { evalError } from './errors.js';
import type { Evaluator } from './evaluator.js';
import { formatG } from './format.js';
import { labelJoin, labelReplace, sortByLabel } from './functions-labels.js';
import { dateFunctions, dateOf, mathFunctions } from './functions-math.js';
import { absentLabels, evalRangeCall } from './functions-range.js';
import { type Bucket, bucketQuantile } from './histogram-quantile.js';
import { nanFirstAscending } from './numeric.js';
import { typeOf } from './typecheck.js';
import type { EvalValue, VSample } from './values.js';

/** Dispatches a function call to its implementation for one evaluation step. */

const vec = (samples: VSample[]): EvalValue => ({ type: 'vector', samples });
const dropped = (s: VSample, v: number): VSample => ({ labels: s.labels, v, dropName: true });

export function evalCall(ev: Evaluator, e: Call, ts: number): EvalValue {
  const matrixIndex = e.args.findIndex((a) => typeOf(a) === 'matrix');
  if (matrixIndex >= 0) return evalRangeCall(ev, e, ts, matrixIndex);

  const scalarArg = (i: number): number => {
    const v = ev.eval(e.args[i]!, ts);
    if (v.type !== 'scalar') throw evalError(`expected a scalar argument to ${e.func}`);
    return v.v;
  };
  const stringArg = (i: number): string => {
    const v = ev.eval(e.args[i]!, ts);
    if (v.type !== 'string') throw evalError(`expected a string argument to ${e.func}`);
    return v.v;
  };
  const vectorArg = (i: number): VSample[] => {
    const v = ev.eval(e.args[i]!, ts);
    if (v.type !== 'vector') throw evalError(`expected an instant vector argument to ${e.func}`);
    return v.samples;
  };
  const ctx = ev.ctx;

  const math = mathFunctions[e.func];
  if (math) return vec(vectorArg(0).map((s) => dropped(s, math(s.v))));
  const date = dateFunctions[e.func];
  if (date) {
    if (e.args.length === 0) return vec([{ labels: {}, v: date(dateOf(ts / 1000)) }]);
    return vec(vectorArg(0).map((s) => dropped(s, date(dateOf(s.v)))));
  }

  switch (e.func) {
    case 'time':
      return { type: 'scalar', v: ts / 1000 };
    case 'pi':
      return { type: 'scalar', v: Math.PI };
    case 'start':
      return { type: 'scalar', v: ctx.start / 1000 };
    case 'end':
      return { type: 'scalar', v: ctx.end / 1000 };
    case 'step':
      return { type: 'scalar', v: ctx.step / 1000 };
    case 'range':
      return { type: 'scalar', v: (ctx.end - ctx.start) / 1000 };
    case 'vector':
      return vec([{ labels: {}, v: scalarArg(0) }]);
    case 'scalar': {
      const s = vectorArg(0);
      return { type: 'scalar', v: s.length === 1 ? s[0]!.v : Number.NaN };
    }
    case 'clamp':
    case 'clamp_min':
    case 'clamp_max': {
      const input = vectorArg(0);
      const min = e.func === 'clamp_max' ? Number.NEGATIVE_INFINITY : scalarArg(1);
      const max =
        e.func === 'clamp' ? scalarArg(2) : e.func === 'clamp_max' ? scalarArg(1) : Number.POSITIVE_INFINITY;
      if (max < min) return vec([]);
      return vec(input.map((s) => dropped(s, Math.max(min, Math.min(max, s.v)))));
    }
    case 'round': {
      const input = vectorArg(0);
      const inverse = 1 / (e.args.length > 1 ? scalarArg(1) : 1);
      return vec(input.map((s) => dropped(s, Math.floor(s.v * inverse + 0.5) / inverse)));
    }
    case 'timestamp': {
      const arg = unwrapParens(e.args[0]!);
      // On a plain selector the sample's own time is returned, not the evaluation time.
      if (arg.kind === 'vectorSelector') {
        const times: number[] = [];
        return vec(ev.instant(arg, ts, times).map((s, i) => dropped(s, times[i]! / 1000)));
      }
      return vec(vectorArg(0).map((s) => dropped(s, ts / 1000)));
    }
    case 'sort':
    case 'sort_desc':
    case 'sort_by_label':
    case 'sort_by_label_desc': {
      if (ctx.start !== ctx.end) {
        ctx.annotations.warn(
          'sort is ineffective for range queries since results are always ordered by labels',
        );
      }
      const input = vectorArg(0);
      if (e.func === 'sort_by_label' || e.func === 'sort_by_label_desc') {
        const names = e.args.slice(1).map((_, i) => stringArg(i + 1));
        return vec(sortByLabel(input, names, e.func === 'sort_by_label_desc'));
      }
      const dir = e.func === 'sort' ? 1 : -1;
      return vec(
        [...input].sort((a, b) =>
          Number.isNaN(a.v) || Number.isNaN(b.v) ? -nanFirstAscending(a.v, b.v) : dir * (a.v - b.v) || 0,
        ),
      );
    }
    case 'label_replace':
      return vec(labelReplace(vectorArg(0), stringArg(1), stringArg(2), stringArg(3), stringArg(4)));
    case 'label_join':
      return vec(
        labelJoin(
          vectorArg(0),
          stringArg(1),
          stringArg(2),
          e.args.slice(3).map((_, i) => stringArg(i + 3)),
        ),
      );
    case 'absent':
      return vec(vectorArg(0).length > 0 ? [] : [{ labels: absentLabels(e.args[0]!), v: 1 }]);
    case 'histogram_quantile':
      return histogramQuantile(ev, scalarArg(0), vectorArg(1));
    default:
      throw evalError(`function ${e.func} is not implemented`);
  }
}

function histogramQuantile(ev: Evaluator, q: number, input: VSample[]): EvalValue {
  if (Number.isNaN(q) || q < 0 || q > 1) {
    ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got ${formatG(q)}`);
  }
  const le = new Set(['le']);
  const groups = new Map<string, { labels: VSample['labels']; buckets: Bucket[] }>();
  for (const s of input) {
    const upperBound = parseBound(s.labels.le);
    if (upperBound === undefined) {
      const name = s.labels.__name__;
      ev.ctx.annotations.warn(
        `bucket label "le" is missing or has a malformed value of ${JSON.stringify(s.labels.le ?? '')}` +
          (name ? ` for metric name ${JSON.stringify(name)}` : ''),
      );
      continue;
    }
    // The group key keeps the metric name: delayed name removal drops it at the end.
    const k = (s.labels.__name__ ?? '') + '\u0003' + keyWithout(s.labels, le);
    let g = groups.get(k);
    if (!g) {
      g = { labels: omit(s.labels, ['le']), buckets: [] };
      groups.set(k, g);
    }
    g.buckets.push({ upperBound, count: s.v });
  }
  const out: VSample[] = [];
  for (const g of groups.values()) {
    const { value, forcedMonotonic } = bucketQuantile(q, g.buckets);
    if (forcedMonotonic) {
      const name = g.labels.__name__;
      ev.ctx.annotations.info(
        'input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)' +
          (name ? ` for metric name ${JSON.stringify(name)}` : ''),
      );
    }
    out.push({ labels: g.labels, v: value, dropName: true });
  }
  return vec(out);
}

function parseBound(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (/^[+-]?inf(inity)?$/i.test(t))
    return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (/^nan$/i.test(t)) return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) && !/^[+-]?0x[0-9a-f]+$/i.test(t)) return undefined;
  return Number(t);
}

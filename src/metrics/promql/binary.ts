import { formatLabels, keyFor, keyWithout, labelsKey, pick, withoutName } from '../../core/labels.js';
import type { Labels } from '../types.js';
import { type BinaryExpr, type BinaryOp, isComparison, type VectorMatching } from './ast.js';
import { evalError } from './errors.js';
import type { Evaluator } from './evaluator.js';
import type { EvalValue, VSample } from './values.js';

/**
 * Binary operators with Prometheus's vector matching. Both sides are hashed by
 * their matching signature, so matching is linear in the number of samples.
 */

/** Go's math.Pow differs from `**` on a few special cases PromQL tests rely on. */
function pow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Number.POSITIVE_INFINITY || y === Number.NEGATIVE_INFINITY)) return 1;
  return x ** y;
}

/** The arithmetic result, or for comparisons whether the pair is kept. */
export function applyOp(op: BinaryOp, l: number, r: number): { v: number; keep: boolean } {
  switch (op) {
    case '+':
      return { v: l + r, keep: true };
    case '-':
      return { v: l - r, keep: true };
    case '*':
      return { v: l * r, keep: true };
    case '/':
      return { v: l / r, keep: true };
    case '%':
      return { v: l % r, keep: true };
    case '^':
      return { v: pow(l, r), keep: true };
    case 'atan2':
      return { v: Math.atan2(l, r), keep: true };
    case '==':
      return { v: l, keep: l === r };
    case '!=':
      return { v: l, keep: l !== r };
    case '>':
      return { v: l, keep: l > r };
    case '<':
      return { v: l, keep: l < r };
    case '>=':
      return { v: l, keep: l >= r };
    case '<=':
      return { v: l, keep: l <= r };
    default:
      throw evalError(`operator "${op}" not allowed between scalars`);
  }
}

export function evalBinary(ev: Evaluator, e: BinaryExpr, ts: number): EvalValue {
  const l = ev.eval(e.lhs, ts);
  const r = ev.eval(e.rhs, ts);
  if (l.type === 'scalar' && r.type === 'scalar') {
    const { v, keep } = applyOp(e.op, l.v, r.v);
    return { type: 'scalar', v: isComparison(e.op) ? (keep ? 1 : 0) : v };
  }
  if (l.type === 'vector' && r.type === 'scalar') return vectorScalar(e, l.samples, r.v, false);
  if (l.type === 'scalar' && r.type === 'vector') return vectorScalar(e, r.samples, l.v, true);
  if (l.type !== 'vector' || r.type !== 'vector')
    throw evalError('binary expression on non-numeric operands');
  const m = e.matching ?? { card: 'one-to-one' as const, on: false, labels: [], include: [] };
  switch (e.op) {
    case 'and':
      return { type: 'vector', samples: vectorAnd(l.samples, r.samples, m) };
    case 'or':
      return { type: 'vector', samples: vectorOr(l.samples, r.samples, m) };
    case 'unless':
      return { type: 'vector', samples: vectorUnless(l.samples, r.samples, m) };
    default:
      return { type: 'vector', samples: vectorBinop(e, l.samples, r.samples, m) };
  }
}

function vectorScalar(e: BinaryExpr, samples: VSample[], scalar: number, swap: boolean): EvalValue {
  const cmp = isComparison(e.op);
  const out: VSample[] = [];
  for (const s of samples) {
    const res = swap ? applyOp(e.op, scalar, s.v) : applyOp(e.op, s.v, scalar);
    // A comparison always yields the vector element's value, whichever side it is on.
    let v = cmp && swap ? s.v : res.v;
    let keep = res.keep;
    if (e.returnBool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const dropName = !cmp || e.returnBool || s.dropName === true;
    out.push({ labels: s.labels, v, ...(dropName ? { dropName: true } : {}) });
  }
  return { type: 'vector', samples: out };
}

/** The function computing each sample's matching signature. */
export function signatureFn(m: VectorMatching): (l: Labels) => string {
  if (m.on) {
    const names = [...m.labels].sort();
    return (l) => keyFor(l, names);
  }
  const excluded = new Set(m.labels);
  return (l) => keyWithout(l, excluded);
}

function vectorAnd(lhs: VSample[], rhs: VSample[], m: VectorMatching): VSample[] {
  if (lhs.length === 0 || rhs.length === 0) return [];
  const sig = signatureFn(m);
  const right = new Set(rhs.map((s) => sig(s.labels)));
  return lhs.filter((s) => right.has(sig(s.labels)));
}

function vectorOr(lhs: VSample[], rhs: VSample[], m: VectorMatching): VSample[] {
  if (lhs.length === 0) return [...rhs];
  if (rhs.length === 0) return [...lhs];
  const sig = signatureFn(m);
  const left = new Set(lhs.map((s) => sig(s.labels)));
  return [...lhs, ...rhs.filter((s) => !left.has(sig(s.labels)))];
}

function vectorUnless(lhs: VSample[], rhs: VSample[], m: VectorMatching): VSample[] {
  if (lhs.length === 0 || rhs.length === 0) return [...lhs];
  const sig = signatureFn(m);
  const right = new Set(rhs.map((s) => sig(s.labels)));
  return lhs.filter((s) => !right.has(sig(s.labels)));
}

function resultLabels(ls: Labels, rs: Labels, op: BinaryOp, m: VectorMatching): Labels {
  let out: Record<string, string>;
  if (m.card === 'one-to-one' && m.on) {
    out = pick(ls, m.labels) as Record<string, string>;
    if (!isComparison(op)) out = withoutName(out) as Record<string, string>;
  } else {
    out = { ...(isComparison(op) ? ls : withoutName(ls)) };
    if (m.card === 'one-to-one') for (const n of m.labels) delete out[n];
  }
  for (const n of m.include) {
    const v = rs[n];
    if (v !== undefined && v !== '') out[n] = v;
    else delete out[n];
  }
  return out;
}

function vectorBinop(e: BinaryExpr, lhsIn: VSample[], rhsIn: VSample[], m: VectorMatching): VSample[] {
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  const sig = signatureFn(m);
  // For group_right, treat the right side as the "many" side and swap back for the values.
  const swapped = m.card === 'one-to-many';
  const lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  const one = new Map<string, VSample>();
  for (const rs of rhs) {
    const k = sig(rs.labels);
    const dup = one.get(k);
    if (dup) {
      const matched = m.on ? pick(rs.labels, m.labels) : keyWithoutLabels(rs.labels, m.labels);
      const [a, b] = [formatLabels(rs.labels), formatLabels(dup.labels)].sort();
      throw evalError(
        `found duplicate series for the match group ${formatLabels(matched)} on the ${swapped ? 'left' : 'right'} ` +
          `hand-side of the operation: [${a}, ${b}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    one.set(k, rs);
  }
  const matchedOnce = new Set<string>();
  const matchedMany = new Map<string, Set<string>>();
  const cmp = isComparison(e.op);
  const out: VSample[] = [];
  for (const ls of lhs) {
    const k = sig(ls.labels);
    const rs = one.get(k);
    if (!rs) continue;
    const [fl, fr] = swapped ? [rs.v, ls.v] : [ls.v, rs.v];
    const res = applyOp(e.op, fl, fr);
    const labels = resultLabels(ls.labels, rs.labels, e.op, m);
    if (m.card === 'one-to-one') {
      if (matchedOnce.has(k)) {
        throw evalError(
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      }
      matchedOnce.add(k);
    } else {
      let seen = matchedMany.get(k);
      if (!seen) {
        seen = new Set();
        matchedMany.set(k, seen);
      }
      const lk = labelsKey(labels);
      if (seen.has(lk))
        throw evalError('multiple matches for labels: grouping labels must ensure unique matches');
      seen.add(lk);
    }
    if (!res.keep && !e.returnBool) continue;
    const v = e.returnBool ? (res.keep ? 1 : 0) : res.v;
    const dropName = e.returnBool || (cmp && ls.dropName === true);
    out.push({ labels, v, ...(dropName ? { dropName: true } : {}) });
  }
  return out;
}

function keyWithoutLabels(l: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = { ...l };
  for (const n of names) delete out[n];
  delete out.__name__;
  return out;
}

import { offsetAt, zonedTime } from './windows.js';

/**
 * On-call rotations: who is on call at an instant, and the shifts over a span.
 *
 * Pure functions of `(t, schedule)`; nothing here reads a clock.
 *
 * A layer hands off at a wall-clock time in the schedule's zone (09:00 Europe/Berlin), every day
 * or every week, from its start date; the people take turns in the order given. Handoffs are
 * computed as wall times, as the windows engine does (core/windows.ts `zonedTime`): a shift on the
 * night clocks go forward is an hour shorter, on the night they go back an hour longer, and a
 * handoff inside the skipped hour happens the same distance after the gap (02:30 → 03:30).
 *
 * Layers stack as PagerDuty's do: a later layer covers an earlier one where it has someone on
 * call (its `hours` restrict it to part of each day, e.g. nights); overrides cover every layer,
 * the last override given winning where two overlap.
 */

export interface WallTime {
  h: number;
  m: number;
}

export interface LayerSpec {
  name: string;
  /** people in turn order; never empty (the config refuses an empty rotation) */
  users: readonly string[];
  /** 1 (daily) or 7 (weekly) */
  shiftDays: number;
  /** the first handoff: date and wall time in the schedule's zone */
  start: readonly [number, number, number];
  handoff: WallTime;
  /** restricts the layer to part of each day, [from, to) in wall time; wraps past midnight */
  hours?: { from: WallTime; to: WallTime };
}

export interface OverrideSpec {
  user: string;
  /** [startsAt, endsAt) */
  startsAt: number;
  endsAt: number;
}

export interface ScheduleSpec {
  name: string;
  timezone: string;
  layers: readonly LayerSpec[];
  overrides: readonly OverrideSpec[];
}

export interface OnCall {
  user: string;
  /** the layer's name, or `override` */
  source: string;
}

export interface Shift extends OnCall {
  startsAt: number;
  endsAt: number;
}

const dayMs = 86_400_000;

/** Handoff instants already computed, per layer and zone: each costs a few Intl calls. */
const handoffs = new WeakMap<LayerSpec, Map<string, number>>();

/** The instant of the k-th handoff of a layer (k = 0 is its start). */
export function handoffAt(layer: LayerSpec, zone: string, k: number): number {
  let memo = handoffs.get(layer);
  if (!memo) {
    memo = new Map();
    handoffs.set(layer, memo);
  }
  const key = `${zone}\u0000${k}`;
  let t = memo.get(key);
  if (t === undefined) {
    const [y, mo, d] = layer.start;
    t = zonedTime(zone, y, mo, d + k * layer.shiftDays, layer.handoff.h, layer.handoff.m);
    // bounded: a long-lived layer asked about many years keeps the latest few thousand
    if (memo.size > 4096) memo.clear();
    memo.set(key, t);
  }
  return t;
}

/** Which shift of the layer `t` falls in, or undefined before its start. */
export function shiftIndex(layer: LayerSpec, zone: string, t: number): number | undefined {
  const first = handoffAt(layer, zone, 0);
  if (t < first) return undefined;
  // An estimate in elapsed days is off by at most one around a DST change: settle it on wall times.
  let k = Math.floor((t - first) / (layer.shiftDays * dayMs));
  while (handoffAt(layer, zone, k + 1) <= t) k++;
  while (k > 0 && handoffAt(layer, zone, k) > t) k--;
  return k;
}

/** Local wall-clock minutes since midnight at `t`. */
function wallMinutes(zone: string, t: number): number {
  const local = t + offsetAt(zone, t);
  return Math.floor((((local % dayMs) + dayMs) % dayMs) / 60_000);
}

function inHours(layer: LayerSpec, zone: string, t: number): boolean {
  if (!layer.hours) return true;
  const m = wallMinutes(zone, t);
  const from = layer.hours.from.h * 60 + layer.hours.from.m;
  const to = layer.hours.to.h * 60 + layer.hours.to.m;
  return from <= to ? m >= from && m < to : m >= from || m < to;
}

/** Who a layer puts on call at `t`, if anyone. */
export function layerAt(layer: LayerSpec, zone: string, t: number): string | undefined {
  const k = shiftIndex(layer, zone, t);
  if (k === undefined || !inHours(layer, zone, t)) return undefined;
  return layer.users[k % layer.users.length];
}

/**
 * Who is on call at `t`: the last override covering it, else the last layer with someone.
 *
 * @example
 *   whoAt({ name: 'primary', timezone: 'Europe/Berlin', overrides: [], layers: [{ name: 'week',
 *     users: ['ana', 'ben'], shiftDays: 7, start: [2026, 11, 2], handoff: { h: 9, m: 0 } }] },
 *     Date.parse('2026-11-10T12:00:00Z'))
 *   // → { user: 'ben', source: 'week' }
 */
export function whoAt(s: ScheduleSpec, t: number): OnCall | undefined {
  for (let i = s.overrides.length - 1; i >= 0; i--) {
    const o = s.overrides[i]!;
    if (o.startsAt <= t && t < o.endsAt) return { user: o.user, source: 'override' };
  }
  for (let i = s.layers.length - 1; i >= 0; i--) {
    const l = s.layers[i]!;
    const user = layerAt(l, s.timezone, t);
    if (user !== undefined) return { user, source: l.name };
  }
  return undefined;
}

/** The instant the schedule's earliest layer starts: nobody is on call before it. */
export function scheduleStart(s: ScheduleSpec): number {
  return Math.min(...s.layers.map((l) => handoffAt(l, s.timezone, 0)));
}

/** Every instant in (from, to) at which who is on call may change. */
function boundaries(s: ScheduleSpec, from: number, to: number): number[] {
  const out = new Set<number>();
  for (const l of s.layers) {
    let k = shiftIndex(l, s.timezone, from) ?? -1;
    for (;;) {
      const h = handoffAt(l, s.timezone, ++k);
      if (h >= to) break;
      if (h > from) out.add(h);
    }
    if (l.hours) {
      // each local day's start and end of the restricted hours
      const local = new Date(from + offsetAt(s.timezone, from) - dayMs);
      for (let d = 0; ; d++) {
        const day = [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate() + d] as const;
        const a = zonedTime(s.timezone, ...day, l.hours.from.h, l.hours.from.m);
        const b = zonedTime(s.timezone, ...day, l.hours.to.h, l.hours.to.m);
        for (const x of [a, b]) if (x > from && x < to) out.add(x);
        if (Math.min(a, b) >= to) break;
      }
    }
  }
  for (const o of s.overrides) for (const x of [o.startsAt, o.endsAt]) if (x > from && x < to) out.add(x);
  return [...out].sort((a, b) => a - b);
}

/**
 * The shifts in [from, to): consecutive spans with one person on call, cut at `from` and `to`.
 * Spans with nobody on call are left out.
 */
export function shifts(s: ScheduleSpec, from: number, to: number): Shift[] {
  const out: Shift[] = [];
  const cuts = [from, ...boundaries(s, from, to), to];
  for (let i = 0; i < cuts.length - 1; i++) {
    const on = whoAt(s, cuts[i]!);
    const last = out.at(-1);
    if (!on) continue;
    if (last && last.endsAt === cuts[i] && last.user === on.user && last.source === on.source)
      last.endsAt = cuts[i + 1]!;
    else out.push({ ...on, startsAt: cuts[i]!, endsAt: cuts[i + 1]! });
  }
  return out;
}

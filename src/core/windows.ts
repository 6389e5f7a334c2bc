import { Cron } from 'croner';

/**
 * Deployment windows and freezes: may a change happen at an instant?
 *
 * Pure functions of `(now, windows, freezes, change)`; nothing here reads a clock.
 *
 * Combination follows Argo CD's sync windows:
 *   1. no window or freeze selects the change → allowed;
 *   2. any active deny window or freeze → denied (deny wins over allow);
 *   3. otherwise any active allow window → allowed;
 *   4. otherwise (allow windows select the change, none is active) → denied.
 *
 * Bounds: an occurrence of a window is the half-open interval [start, start + duration):
 * the start instant is inside, the end instant is not (a 22:00 + 4h window admits 22:00:00.000
 * and denies 02:00:00.000). Argo CD tests `schedule.Next(now - duration) < now`, which is the
 * same interval except that it leaves out the exact start instant; Vigil includes it so
 * that `next_open_at` is itself an allowed instant.
 *
 * Time zones: each window's cron is evaluated in its own IANA zone by croner; `duration` is
 * elapsed time, so a 22:00 + 4h window ends at 01:00 local on the night clocks go back and
 * at 03:00 on the night they go forward. On spring-forward days a start inside the skipped
 * hour moves forward by the gap (02:30 Europe/Berlin fires at 03:30 CEST); on fall-back days
 * a start inside the repeated hour fires once, never twice (croner 9 picks 02:30 CET in
 * Berlin but 01:30 EDT in New York: the tests pin both).
 */

export type WindowKind = 'allow' | 'deny';

export interface Selector {
  /** service names or globs (`*`); empty or absent: every service */
  services?: readonly string[];
  environments?: readonly string[];
}

export interface WindowSpec extends Selector {
  name: string;
  kind: WindowKind;
  /** five-field cron: when an occurrence starts */
  cron: string;
  durationMs: number;
  timezone: string;
}

/** A one-off range (or a named calendar's day) during which changes are denied. */
export interface FreezeSpec extends Selector {
  name: string;
  /** [startsAt, endsAt): instants, already resolved from dates in the changes time zone */
  ranges: readonly { startsAt: number; endsAt: number }[];
}

export interface ChangeTarget {
  service?: string;
  environment?: string;
}

export interface ActiveWindow {
  name: string;
  kind: WindowKind | 'freeze';
  startsAt: number;
  endsAt: number;
}

export interface WindowDecision {
  allowed: boolean;
  /** `no-windows` | `deny` | `allow` | `outside-allow` */
  rule: 'no-windows' | 'deny' | 'allow' | 'outside-allow';
  /** the deny windows and freezes in force (when denied by them), or the allow windows admitting */
  active: ActiveWindow[];
  /** for a denied decision: the first instant after `now` that would be allowed, if within the horizon */
  nextOpenAt: number | null;
}

const crons = new Map<string, Cron>();
function cronOf(expr: string, timezone: string): Cron {
  const key = `${timezone}\u0000${expr}`;
  let c = crons.get(key);
  if (!c) {
    c = new Cron(expr, { timezone, paused: true });
    crons.set(key, c);
  }
  return c;
}

function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(`^${pattern.split('*').map(escapeRe).join('.*')}$`);
  return re.test(value);
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether a window applies to a change. An unset selector selects everything; a change that
 * names no service (or environment) is selected by every window, whatever its selector.
 */
export function selects(sel: Selector, target: ChangeTarget): boolean {
  const dim = (patterns: readonly string[] | undefined, value: string | undefined) =>
    !patterns?.length || value === undefined || patterns.some((p) => globMatch(p, value));
  return dim(sel.services, target.service) && dim(sel.environments, target.environment);
}

/** The occurrence of `w` in force at `now`, if any: the latest start s with s <= now < s + duration. */
export function activeOccurrence(w: WindowSpec, now: number): ActiveWindow | undefined {
  const cron = cronOf(w.cron, w.timezone);
  // Search from two hours before the earliest start that could still be in force: croner, asked
  // for the next run from inside an hour that clocks repeat in autumn, skips that hour's run,
  // so the search must begin before any DST change the occurrence may straddle.
  let t = now - w.durationMs - dstMarginMs;
  let found: number | undefined;
  for (;;) {
    const s = cron.nextRun(new Date(t))?.getTime();
    if (s === undefined || s > now) break;
    // ends are exclusive: a start at exactly now - duration has ended
    if (s + w.durationMs > now) found = s;
    t = s;
  }
  return found === undefined
    ? undefined
    : { name: w.name, kind: w.kind, startsAt: found, endsAt: found + w.durationMs };
}

/** More than any zone's DST shift (one hour; 30 minutes on Lord Howe Island). */
const dstMarginMs = 2 * 3_600_000;

/** Starts of `w` in (after, until], in order. */
export function occurrences(w: WindowSpec, after: number, until: number, max = 1000): ActiveWindow[] {
  const out: ActiveWindow[] = [];
  const cron = cronOf(w.cron, w.timezone);
  let t = after;
  while (out.length < max) {
    const s = cron.nextRun(new Date(t))?.getTime();
    if (s === undefined || s > until) break;
    out.push({ name: w.name, kind: w.kind, startsAt: s, endsAt: s + w.durationMs });
    t = s;
  }
  return out;
}

function activeFreeze(f: FreezeSpec, now: number): ActiveWindow | undefined {
  const r = f.ranges.find((r) => r.startsAt <= now && now < r.endsAt);
  return r && { name: f.name, kind: 'freeze', startsAt: r.startsAt, endsAt: r.endsAt };
}

function decideAt(windows: readonly WindowSpec[], freezes: readonly FreezeSpec[], now: number) {
  const denying: ActiveWindow[] = [];
  for (const f of freezes) {
    const a = activeFreeze(f, now);
    if (a) denying.push(a);
  }
  for (const w of windows) {
    if (w.kind !== 'deny') continue;
    const a = activeOccurrence(w, now);
    if (a) denying.push(a);
  }
  if (denying.length) return { allowed: false, rule: 'deny' as const, active: denying };
  const allows = windows.filter((w) => w.kind === 'allow');
  if (!allows.length) return { allowed: true, rule: 'no-windows' as const, active: [] };
  const admitting = allows.flatMap((w) => activeOccurrence(w, now) ?? []);
  if (admitting.length) return { allowed: true, rule: 'allow' as const, active: admitting };
  return { allowed: false, rule: 'outside-allow' as const, active: [] };
}

/** How far ahead `nextOpenAt` is searched. */
export const nextOpenHorizonMs = 400 * 86_400_000;

/**
 * Decide for one change at `now`. Windows and freezes that do not select the change are ignored;
 * with none left the change is allowed (`no-windows`), as in Argo CD.
 *
 * @example
 *   decide(Date.parse('2026-11-26T21:30:00Z'),
 *     [{ name: 'weeknights', kind: 'allow', cron: '0 22 * * 1-4', durationMs: 4 * 3600e3,
 *        timezone: 'Europe/Berlin' }], [], { service: 'api' })
 *   // → { allowed: true, rule: 'allow', active: [{ name: 'weeknights', … }], nextOpenAt: null }
 */
export function decide(
  now: number,
  windows: readonly WindowSpec[],
  freezes: readonly FreezeSpec[],
  target: ChangeTarget,
): WindowDecision {
  const ws = windows.filter((w) => selects(w, target));
  const fs = freezes.filter((f) => selects(f, target));
  const d = decideAt(ws, fs, now);
  return { ...d, nextOpenAt: d.allowed ? null : nextOpen(ws, fs, now) };
}

/**
 * The first instant after `now` at which the windows allow a change. The decision only changes
 * at a boundary, so the search hops: while denied by deny windows or freezes, to the latest end
 * among them (none can open sooner); while outside every allow window, to the next allow start.
 */
function nextOpen(
  windows: readonly WindowSpec[],
  freezes: readonly FreezeSpec[],
  now: number,
): number | null {
  const horizon = now + nextOpenHorizonMs;
  let t = now;
  // Daily windows hop about twice a day; the cap only ends searches over windows that never open.
  for (let i = 0; i < 1000; i++) {
    const d = decideAt(windows, freezes, t);
    if (d.allowed && t > now) return t;
    if (d.rule === 'deny') t = Math.max(...d.active.map((a) => a.endsAt));
    else {
      let next = Number.POSITIVE_INFINITY;
      for (const w of windows) {
        if (w.kind !== 'allow') continue;
        const s = cronOf(w.cron, w.timezone).nextRun(new Date(t))?.getTime();
        if (s !== undefined) next = Math.min(next, s);
      }
      t = next;
    }
    if (!Number.isFinite(t) || t > horizon) return null;
  }
  return null;
}

/**
 * The instant a wall-clock time in `timeZone` happens. Written by hand because Node 20 has no
 * Temporal and croner only answers "next run"; Intl gives the zone's offset at an instant, and
 * two passes settle it across a DST change. A wall time skipped by spring-forward resolves to
 * the instant the same distance after the gap (02:30 on the skip day → 03:30), as croner does.
 */
export function zonedTime(timeZone: string, y: number, month: number, d: number, h = 0, min = 0): number {
  const wall = Date.UTC(y, month - 1, d, h, min);
  let t = wall - offsetAt(timeZone, wall);
  t = wall - offsetAt(timeZone, t);
  return t;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The zone's UTC offset at instant `t`, in ms (Europe/Berlin in winter: +3_600_000). */
export function offsetAt(timeZone: string, t: number): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return asUtc - Math.floor(t / 1000) * 1000;
}

const dateRe = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` → [y, m, d], or undefined when it is not a real calendar date. */
export function parseDate(text: string): [number, number, number] | undefined {
  const m = dateRe.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [+m[1]!, +m[2]!, +m[3]!];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  return [y, mo, d];
}

/**
 * Whole days `from`..`until` in `timeZone`, both inclusive: from the start of `from` to the start
 * of the day after `until` (exclusive), so `until: 2027-01-04` still freezes all of 4 January.
 */
export function dayRange(
  from: string,
  until: string,
  timeZone: string,
): { startsAt: number; endsAt: number } {
  const a = parseDate(from);
  const b = parseDate(until);
  if (!a || !b) throw new RangeError(`not a date: ${a ? until : from}`);
  const after = new Date(Date.UTC(b[0], b[1] - 1, b[2] + 1));
  return {
    startsAt: zonedTime(timeZone, a[0], a[1], a[2]),
    endsAt: zonedTime(timeZone, after.getUTCFullYear(), after.getUTCMonth() + 1, after.getUTCDate()),
  };
}

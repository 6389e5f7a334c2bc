import { shifts, whoAt } from '../core/rotation.js';
import { VigilError } from '../errors.js';
import type { CompiledOncall } from './compile.js';

/** What the CLI prints and the API returns about on call: the same shapes, snake_case as the API's. */

export interface OnCallView {
  schedule: string;
  timezone: string;
  /** null: nobody is on call (before the schedule starts, or outside a layer's hours) */
  user: string | null;
  display_name: string | null;
  /** the layer's name, or `override` */
  source: string | null;
  /** when this person's shift ends, if within the next 60 days */
  until: string | null;
}

export interface ShiftView {
  user: string;
  display_name: string;
  source: string;
  starts_at: string;
  ends_at: string;
}

const iso = (t: number) => new Date(t).toISOString();
const lookAheadMs = 60 * 86_400_000;

/** Who is on call in each schedule at `at`. */
export function whoView(o: CompiledOncall, at: number): OnCallView[] {
  return [...o.schedules.values()].map((s) => {
    const on = whoAt(s, at);
    const end = on ? shifts(s, at, at + lookAheadMs)[0]?.endsAt : undefined;
    return {
      schedule: s.name,
      timezone: s.timezone,
      user: on?.user ?? null,
      display_name: on ? (o.users.get(on.user)?.displayName ?? on.user) : null,
      source: on?.source ?? null,
      until: end === undefined || end >= at + lookAheadMs ? null : iso(end),
    };
  });
}

/** The shifts of one schedule in [from, from + days). */
export function scheduleView(o: CompiledOncall, name: string, from: number, days: number) {
  const s = o.schedules.get(name);
  if (!s)
    throw new VigilError('NOT_FOUND', `no schedule "${name}" under oncall.schedules`, {
      hint: `schedules: ${[...o.schedules.keys()].join(', ') || 'none'}`,
    });
  if (!Number.isInteger(days) || days < 1 || days > 366)
    throw new VigilError('USAGE', `days must be a whole number from 1 to 366, not ${days}`);
  return {
    schedule: s.name,
    timezone: s.timezone,
    from: iso(from),
    until: iso(from + days * 86_400_000),
    shifts: shifts(s, from, from + days * 86_400_000).map(
      (x): ShiftView => ({
        user: x.user,
        display_name: o.users.get(x.user)?.displayName ?? x.user,
        source: x.source,
        starts_at: iso(x.startsAt),
        ends_at: iso(x.endsAt),
      }),
    ),
  };
}

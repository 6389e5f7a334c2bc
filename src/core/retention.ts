/**
 * Which backups to keep: restic's `forget` policy (keep-last, -hourly, -daily,
 * -weekly (ISO weeks), -monthly, -yearly, -within), plus the rules that make a
 * backup tool trustworthy. A pure function of the backups and the policy.
 *
 * Semantics, as restic documents them: backups are walked newest first; each
 * calendar rule keeps the newest backup of each bucket (hour, day, ISO week,
 * month, year in the policy's time zone) until it has kept `n` buckets
 * (-1: unlimited); keep-last keeps the newest `n`; within keeps everything
 * newer than `within` before the newest backup; rules combine with OR. When a
 * calendar rule has fewer buckets than it asked for, the oldest backup is kept
 * too, so a young history is not thinned to nothing.
 *
 * On top: only complete, checksummed backups count towards any rule (others
 * go, with the reason); the newest backup whose last verification passed is
 * never deleted; an empty policy is refused rather than read as "keep none".
 *
 * @example
 *   applyRetention(backups, { last: 3, daily: 7 }, 'Europe/Berlin')
 *   // → [{ id, keep: true, reasons: ['last', 'daily'] }, { id, keep: false, reasons: ['not kept by any rule'] }]
 */
export interface KeepPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  /** milliseconds before the newest backup */
  within?: number;
}

export interface RetentionCandidate {
  id: string;
  /** when the backup was taken, ms since the epoch */
  time: number;
  /** written completely with a checksum in its manifest */
  complete: boolean;
  /** the outcome of its latest verification, if any */
  verified?: 'ok' | 'failed';
}

export interface RetentionDecision {
  id: string;
  time: number;
  keep: boolean;
  /** the rules that keep it, or why it goes */
  reasons: string[];
}

const calendarRules = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
type CalendarRule = (typeof calendarRules)[number];

export class EmptyPolicyError extends Error {}

export function isEmptyPolicy(p: KeepPolicy): boolean {
  return (p.last ?? 0) === 0 && calendarRules.every((r) => (p[r] ?? 0) === 0) && (p.within ?? 0) === 0;
}

export function applyRetention(
  backups: readonly RetentionCandidate[],
  policy: KeepPolicy,
  timeZone = 'UTC',
): RetentionDecision[] {
  if (isEmptyPolicy(policy)) {
    throw new EmptyPolicyError('an empty keep policy would delete every backup');
  }
  const sorted = [...backups].sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));
  const decisions = new Map<string, RetentionDecision>();
  const counting: RetentionCandidate[] = [];
  for (const b of sorted) {
    if (!b.complete) decisions.set(b.id, { id: b.id, time: b.time, keep: false, reasons: ['incomplete'] });
    else if (b.verified === 'failed')
      decisions.set(b.id, { id: b.id, time: b.time, keep: false, reasons: ['failed verification'] });
    else counting.push(b);
  }

  const bucketOf = bucketer(timeZone);
  const left: Record<string, number> = {};
  const lastBucket: Record<string, string | number | undefined> = {};
  if (policy.last) left.last = policy.last;
  for (const r of calendarRules) if (policy[r]) left[r] = policy[r]!;
  const newest = counting[0]?.time ?? 0;

  counting.forEach((b, index) => {
    const reasons: string[] = [];
    if (policy.within && b.time >= newest - policy.within) reasons.push('within');
    for (const rule of Object.keys(left)) {
      if (left[rule] === 0) continue;
      const bucket = rule === 'last' ? index : bucketOf(rule as CalendarRule, b.time);
      if (bucket === lastBucket[rule]) continue;
      lastBucket[rule] = bucket;
      if (left[rule]! > 0) left[rule]!--;
      reasons.push(rule);
    }
    decisions.set(b.id, { id: b.id, time: b.time, keep: reasons.length > 0, reasons });
  });

  // A calendar rule that found fewer buckets than it asked for also keeps the oldest backup.
  const oldest = counting.at(-1);
  if (oldest) {
    const short = calendarRules.filter((r) => (left[r] ?? 0) > 0);
    const d = decisions.get(oldest.id)!;
    for (const r of short) if (!d.reasons.includes(r)) d.reasons.push(`oldest (${r})`);
    d.keep = d.reasons.length > 0;
  }

  // The newest backup that passed verification is never deleted; nor, before any
  // verification, the newest complete one.
  const protect = counting.find((b) => b.verified === 'ok') ?? counting[0];
  if (protect) {
    const d = decisions.get(protect.id)!;
    if (!d.keep) {
      d.keep = true;
      d.reasons = [protect.verified === 'ok' ? 'newest verified backup' : 'newest complete backup'];
    }
  }
  for (const d of decisions.values())
    if (!d.keep && d.reasons.length === 0) d.reasons.push('not kept by any rule');
  return sorted.map((b) => decisions.get(b.id)!);
}

/** The calendar bucket of a time in a zone: "2026-11", "2026-W48", … */
function bucketer(timeZone: string) {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
  });
  return (rule: CalendarRule, time: number): string => {
    const parts = Object.fromEntries(fmt.formatToParts(new Date(time)).map((p) => [p.type, p.value]));
    const y = Number(parts.year);
    const m = Number(parts.month);
    const d = Number(parts.day);
    switch (rule) {
      case 'hourly':
        return `${y}-${m}-${d}T${parts.hour}`;
      case 'daily':
        return `${y}-${m}-${d}`;
      case 'weekly': {
        const [wy, w] = isoWeek(y, m, d);
        return `${wy}-W${w}`;
      }
      case 'monthly':
        return `${y}-${m}`;
      case 'yearly':
        return `${y}`;
    }
  };
}

/** ISO 8601 week-numbering year and week of a calendar date. */
export function isoWeek(year: number, month: number, day: number): [number, number] {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0
  date.setUTCDate(date.getUTCDate() - weekday + 3); // the Thursday of this week
  const weekYear = date.getUTCFullYear();
  // Week 1 is the week whose Thursday falls in the first seven days of January.
  const week = 1 + Math.floor((date.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * 86_400_000));
  return [weekYear, week];
}

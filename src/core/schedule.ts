import { Cron } from 'croner';

export type Schedule =
  | { type: 'every'; everyMs: number }
  | { type: 'cron'; expr: string; timezone: string | undefined };

/**
 * A stable phase in [0, everyMs) from the job's name, so checks with the same
 * interval are spread over it (no thundering herd at start) and keep their slot
 * across restarts, as Prometheus spreads its scrape targets.
 */
export function phaseOf(id: string, everyMs: number): number {
  // FNV-1a: small, stable and well spread for short strings.
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % everyMs;
}

/** The first due time strictly after `after`. */
export function nextDue(schedule: Schedule, id: string, after: number): number {
  if (schedule.type === 'every') {
    const { everyMs } = schedule;
    const phase = phaseOf(id, everyMs);
    const k = Math.floor((after - phase) / everyMs) + 1;
    return k * everyMs + phase;
  }
  const next = new Cron(schedule.expr, { timezone: schedule.timezone, paused: true }).nextRun(
    new Date(after),
  );
  return next ? next.getTime() : Number.POSITIVE_INFINITY;
}

import type { Store } from '../store/store.js';
import { announceChange, type ChangeDeps } from './records.js';

/**
 * Which reminders are due for a change planned at `plannedAt`: each configured lead time whose
 * moment has come while the change has not started yet. Pure; the announcement key makes a
 * reminder written twice (two ticks, two nodes) one notification.
 */
export function dueReminders(plannedAt: number, remindMs: readonly number[], now: number): number[] {
  if (now >= plannedAt) return [];
  return remindMs.filter((before) => plannedAt - before <= now);
}

/** Announce the reminders due at `now` for every planned change; returns how many were written. */
export async function sendReminders(deps: ChangeDeps & { store: Store }, now: number): Promise<number> {
  const remind = deps.config.changes.remind;
  if (!remind.length || !deps.announce || !deps.config.changes.announce.length) return 0;
  const ahead = Math.max(...remind);
  const planned = await deps.store.changes.list({ from: now, to: now + ahead, status: ['planned'] });
  let n = 0;
  for (const c of planned)
    for (const beforeMs of dueReminders(c.plannedAt, remind, now)) {
      await announceChange(deps, c, { phase: 'reminder', beforeMs });
      n++;
    }
  return n;
}

import type { AnnouncementMessage } from '../notify/announce.js';
import type { ChangeRecord } from '../store/changes.js';

export type Announcement = AnnouncementMessage;

/** Writes an announcement to the durable outbox; the daemon's delivery workers send it. */
export type Announce = (msg: Announcement) => Promise<void>;

export type ChangePhase =
  | { phase: 'planned' }
  | { phase: 'reminder'; beforeMs: number }
  | { phase: 'started' }
  | { phase: 'finished' }
  | { phase: 'rollback' };

const when = (ms: number, zone: string) =>
  `${new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')} (${new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(ms)} ${zone})`;

/**
 * The message for one moment of a change: who, what, when and who owns the rollback. The key
 * makes each moment one notification per channel however often it is written.
 */
export function changeAnnouncement(
  c: ChangeRecord,
  p: ChangePhase,
  channels: readonly string[],
  zone: string,
): Announcement {
  const what = `${c.service}${c.version ? ` ${c.version}` : ''}${c.environment ? ` (${c.environment})` : ''}`;
  const owner = c.rollback
    ? `rollback owner: ${c.rollback.owner}, back to ${c.rollback.target}`
    : 'no rollback plan';
  const base = { channels: [...channels] };
  switch (p.phase) {
    case 'planned':
      return {
        ...base,
        kind: 'change.planned',
        key: `change:${c.id}:planned`,
        title: `Planned change #${c.id}: ${c.title}`,
        text: `${c.createdBy} plans ${what} at ${when(c.plannedAt, zone)}${c.window ? ` in window ${c.window}` : ''}; ${owner}.`,
      };
    case 'reminder':
      return {
        ...base,
        kind: 'change.reminder',
        key: `change:${c.id}:reminder:${p.beforeMs}`,
        title: `Reminder: change #${c.id} starts in ${Math.round(p.beforeMs / 60_000)} min: ${c.title}`,
        text: `${what} at ${when(c.plannedAt, zone)}, by ${c.createdBy}; ${owner}.`,
      };
    case 'started':
      return {
        ...base,
        kind: 'change.started',
        key: `change:${c.id}:started`,
        title: `Change #${c.id} started: ${c.title}`,
        text: `${what} started at ${when(c.startedAt ?? c.plannedAt, zone)}; ${owner}.`,
      };
    case 'rollback':
      return {
        ...base,
        kind: 'change.rollback',
        key: `change:${c.id}:rollback`,
        title: `Rolling back change #${c.id}: ${c.title}`,
        text: `${what} is being rolled back${c.rollback ? ` to ${c.rollback.target} by ${c.rollback.owner}` : ''}.`,
      };
    case 'finished':
      return {
        ...base,
        kind: 'change.finished',
        key: `change:${c.id}:finished:${c.status}`,
        title: `Change #${c.id} ${c.status === 'ok' ? 'finished' : c.status}: ${c.title}`,
        text: `${what} ended ${c.status} at ${when(c.finishedAt ?? c.plannedAt, zone)}.`,
      };
  }
}

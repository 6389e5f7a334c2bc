import { type JobStatus, scheduleText } from './job-runner.js';

/** A job as the API and `vigil jobs --json` show it: times as ISO 8601, the schedule as written. */
export interface JobView {
  id: string;
  kind: string;
  schedule: string;
  timezone: string | null;
  /** what happens to a slot missed while Vigil was down: `skip` or `run-once` */
  if_missed: string;
  next_run_at: string | null;
  running: boolean;
  last_run: {
    due_at: string;
    started_at: string;
    ended_at: string;
    duration_ms: number;
    outcome: 'ok' | 'failed';
    message: string | null;
  } | null;
}

const isoOf = (t: number) => new Date(t).toISOString();

export function jobView(j: JobStatus): JobView {
  return {
    id: j.id,
    kind: j.kind,
    schedule: scheduleText({ ...j.schedule, ...(j.schedule.type === 'cron' ? { timezone: undefined } : {}) }),
    timezone: j.schedule.type === 'cron' ? (j.schedule.timezone ?? 'UTC') : null,
    if_missed: j.missed,
    next_run_at: j.nextRunAt === undefined ? null : isoOf(j.nextRunAt),
    running: j.running,
    last_run: j.last
      ? {
          due_at: isoOf(j.last.dueAt),
          started_at: isoOf(j.last.startedAt),
          ended_at: isoOf(j.last.endedAt),
          duration_ms: j.last.endedAt - j.last.startedAt,
          outcome: j.last.ok ? 'ok' : 'failed',
          message: j.last.message ?? null,
        }
      : null,
  };
}

/** `2026-12-03 08:00 CET`: an instant as read in the job's own time zone. */
export function localTime(t: number, timezone: string | null): string {
  const tz = timezone ?? 'UTC';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
}

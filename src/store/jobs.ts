import type { Kysely } from 'kysely';
import type { JobHistory, JobRecord } from '../scheduler/job-runner.js';
import type { Tables } from './tables.js';

/** The job runner's persisted history: first sight and last run of every timed job but checks. */
export function jobsRepo(db: Kysely<Tables>): JobHistory {
  return {
    async load(): Promise<JobRecord[]> {
      const rows = await db.selectFrom('jobs').selectAll().execute();
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        firstSeenAt: Number(r.first_seen_at),
        ...(r.last_due_at !== null && r.last_started_at !== null && r.last_ended_at !== null
          ? {
              last: {
                dueAt: Number(r.last_due_at),
                startedAt: Number(r.last_started_at),
                endedAt: Number(r.last_ended_at),
                ok: Number(r.last_ok) === 1,
                ...(r.last_message ? { message: r.last_message } : {}),
              },
            }
          : {}),
      }));
    },

    async seen(id, kind, at) {
      await db
        .insertInto('jobs')
        .values({
          id,
          kind,
          first_seen_at: at,
          last_due_at: null,
          last_started_at: null,
          last_ended_at: null,
          last_ok: null,
          last_message: null,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },

    async finished(id, kind, run) {
      const last = {
        last_due_at: run.dueAt,
        last_started_at: run.startedAt,
        last_ended_at: run.endedAt,
        last_ok: run.ok ? 1 : 0,
        last_message: run.message ?? null,
      };
      await db
        .insertInto('jobs')
        .values({ id, kind, first_seen_at: run.startedAt, ...last })
        .onConflict((oc) => oc.column('id').doUpdateSet(last))
        .execute();
    },
  };
}

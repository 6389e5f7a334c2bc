import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

export type ChangeStatus = 'planned' | 'in_progress' | 'ok' | 'failed' | 'rolled-back';
export const finishedStatuses = ['ok', 'failed', 'rolled-back'] as const;

/** How to undo a change: structured, so the gate can tell a plan from a promise. */
export interface RollbackPlan {
  /** the version or revision to return to */
  target: string;
  /** shell commands, run in order by `vigil change rollback` */
  steps: string[];
  /** what happens to data written since the change (migrations, backfills) */
  data: string;
  /** commands that must exit 0 after the steps for the rollback to count as done */
  verify: string[];
  owner: string;
  /** the longest the rollback may take, in ms; steps are stopped when it runs out */
  budgetMs: number;
  /** evidence the plan was rehearsed: a reference to a run (CI job URL, change id, ticket) */
  tested?: string;
}

export interface ChangeRecord {
  id: number;
  title: string;
  service: string;
  environment: string | null;
  version: string | null;
  status: ChangeStatus;
  plannedAt: number;
  window: string | null;
  rollback: RollbackPlan | null;
  createdBy: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface ChangeEvent {
  at: number;
  kind: string;
  text: string;
  actor: string | null;
  data?: unknown;
}

export type NewChange = Omit<ChangeRecord, 'id' | 'status' | 'startedAt' | 'finishedAt'>;

export function changesRepo(db: Kysely<Tables>) {
  const toRecord = (r: Tables['changes'] & { id: number }): ChangeRecord => ({
    id: Number(r.id),
    title: r.title,
    service: r.service,
    environment: r.environment,
    version: r.version,
    status: r.status as ChangeStatus,
    plannedAt: Number(r.planned_at),
    window: r.window_name,
    rollback: r.rollback === null ? null : (JSON.parse(r.rollback) as RollbackPlan),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    startedAt: r.started_at === null ? null : Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  });
  const eventRow = (changeId: number | null, e: ChangeEvent) => ({
    change_id: changeId,
    at: e.at,
    kind: e.kind,
    text: e.text,
    actor: e.actor,
    data: e.data === undefined ? null : JSON.stringify(e.data),
  });

  return {
    /** The record and its `planned` event, in one transaction. */
    async create(c: NewChange): Promise<ChangeRecord> {
      const id = await db.transaction().execute(async (trx) => {
        const r = await trx
          .insertInto('changes')
          .values({
            title: c.title,
            service: c.service,
            environment: c.environment,
            version: c.version,
            status: 'planned',
            planned_at: c.plannedAt,
            window_name: c.window,
            rollback: c.rollback === null ? null : JSON.stringify(c.rollback),
            created_by: c.createdBy,
            created_at: c.createdAt,
            started_at: null,
            finished_at: null,
            updated_at: c.createdAt,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const id = Number(r.id);
        await trx
          .insertInto('change_events')
          .values(eventRow(id, { at: c.createdAt, kind: 'planned', text: c.title, actor: c.createdBy }))
          .execute();
        return id;
      });
      return (await this.get(id))!;
    },

    async get(id: number): Promise<ChangeRecord | undefined> {
      if (!Number.isSafeInteger(id)) return undefined;
      const r = await db.selectFrom('changes').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toRecord(r as never);
    },

    /**
     * Move a change from one of `from` to `to` and record why, in one transaction; false when
     * it was not in one of `from` (someone else moved it first).
     */
    async transition(
      id: number,
      from: readonly ChangeStatus[],
      to: ChangeStatus,
      at: number,
      event: Omit<ChangeEvent, 'at'>,
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const set: { status: string; updated_at: number; started_at?: number; finished_at?: number } = {
          status: to,
          updated_at: at,
        };
        if (to === 'in_progress') set.started_at = at;
        if ((finishedStatuses as readonly string[]).includes(to)) set.finished_at = at;
        const r = await trx
          .updateTable('changes')
          .set(set)
          .where('id', '=', id)
          .where('status', 'in', [...from])
          .executeTakeFirst();
        if (!Number(r.numUpdatedRows)) return false;
        await trx
          .insertInto('change_events')
          .values(eventRow(id, { ...event, at }))
          .execute();
        return true;
      });
    },

    async event(changeId: number | null, e: ChangeEvent): Promise<void> {
      await db.insertInto('change_events').values(eventRow(changeId, e)).execute();
    },

    async timeline(id: number): Promise<ChangeEvent[]> {
      const rows = await db
        .selectFrom('change_events')
        .selectAll()
        .where('change_id', '=', id)
        .orderBy('at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        at: Number(r.at),
        kind: r.kind,
        text: r.text,
        actor: r.actor,
        ...(r.data === null ? {} : { data: JSON.parse(r.data) }),
      }));
    },

    /** Gate overrides, newest first (with or without a change record). */
    async overrides(limit = 100): Promise<(ChangeEvent & { changeId: number | null })[]> {
      const rows = await db
        .selectFrom('change_events')
        .selectAll()
        .where('kind', '=', 'override')
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        changeId: r.change_id === null ? null : Number(r.change_id),
        at: Number(r.at),
        kind: r.kind,
        text: r.text,
        actor: r.actor,
        ...(r.data === null ? {} : { data: JSON.parse(r.data) }),
      }));
    },

    /**
     * Changes planned, started or finished within [from, to] (deploy markers), newest first.
     */
    async list(opts: {
      from?: number;
      to?: number;
      service?: string;
      status?: readonly ChangeStatus[];
      limit?: number;
    }): Promise<ChangeRecord[]> {
      const from = opts.from ?? 0;
      const to = opts.to ?? Number.MAX_SAFE_INTEGER;
      let q = db
        .selectFrom('changes')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.between('planned_at', from, to),
            eb.between('started_at', from, to),
            eb.between('finished_at', from, to),
            // still running across the whole range
            eb.and([eb('started_at', '<', from), eb('finished_at', 'is', null)]),
          ]),
        )
        .orderBy('planned_at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit ?? 1000);
      if (opts.service) q = q.where('service', '=', opts.service);
      if (opts.status?.length) q = q.where('status', 'in', [...opts.status]);
      return (await q.execute()).map((r) => toRecord(r as never));
    },
  };
}

export type ChangesRepo = ReturnType<typeof changesRepo>;

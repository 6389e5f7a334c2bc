import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

export type StepStatus = 'ok' | 'attention' | 'failed' | 'skipped' | 'pending';

export interface StoredStep {
  idx: number;
  name: string;
  kind: string;
  status: StepStatus;
  /** the step's section as the routine runner wrote it (JSON) */
  section: unknown;
  dueAt: number | null;
  signedBy: string | null;
  signedAt: number | null;
  note: string | null;
}

export interface StoredRun {
  id: string;
  routine: string;
  startedAt: number;
  periodFrom: number;
  periodTo: number;
  status: 'open' | 'done';
  endedAt: number | null;
  deliveredAt: number | null;
}

export interface Baseline {
  check: string;
  p50Ms: number;
  p95Ms: number;
  runs: number;
  periodFrom: number;
  periodTo: number;
  setAt: number;
  setBy: string;
}

export interface MaintenanceRun {
  task: string;
  kind: string;
  startedAt: number;
  durationMs: number;
  status: 'ok' | 'failed' | 'timeout';
  message: string;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Routine runs with their steps, baselines and maintenance runs. */
export function routinesRepo(db: Kysely<Tables>) {
  const toRun = (r: Tables['routine_runs']): StoredRun => ({
    id: r.id,
    routine: r.routine,
    startedAt: Number(r.started_at),
    periodFrom: Number(r.period_from),
    periodTo: Number(r.period_to),
    status: r.status as StoredRun['status'],
    endedAt: num(r.ended_at),
    deliveredAt: num(r.delivered_at),
  });
  const toStep = (r: Tables['routine_steps']): StoredStep => ({
    idx: Number(r.idx),
    name: r.name,
    kind: r.kind,
    status: r.status as StepStatus,
    section: JSON.parse(r.section),
    dueAt: num(r.due_at),
    signedBy: r.signed_by,
    signedAt: num(r.signed_at),
    note: r.note,
  });
  return {
    /**
     * A run and all its steps in one transaction: a crash leaves no run without
     * its findings. Returns false when a run with this id exists already.
     */
    async insertRun(run: StoredRun, steps: readonly StoredStep[]): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        // Another node may write the same scheduled run at the same moment: the first insert wins.
        const inserted = await trx
          .insertInto('routine_runs')
          .values({
            id: run.id,
            routine: run.routine,
            started_at: run.startedAt,
            period_from: run.periodFrom,
            period_to: run.periodTo,
            status: run.status,
            ended_at: run.endedAt,
            delivered_at: run.deliveredAt,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
        if (steps.length)
          await trx
            .insertInto('routine_steps')
            .values(
              steps.map((s) => ({
                run_id: run.id,
                idx: s.idx,
                name: s.name,
                kind: s.kind,
                status: s.status,
                section: JSON.stringify(s.section),
                due_at: s.dueAt,
                signed_by: s.signedBy,
                signed_at: s.signedAt,
                note: s.note,
              })),
            )
            .execute();
        return true;
      });
    },

    async getRun(id: string): Promise<{ run: StoredRun; steps: StoredStep[] } | undefined> {
      const r = await db.selectFrom('routine_runs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) return undefined;
      const steps = await db
        .selectFrom('routine_steps')
        .selectAll()
        .where('run_id', '=', id)
        .orderBy('idx')
        .execute();
      return { run: toRun(r), steps: steps.map(toStep) };
    },

    /** newest first */
    async listRuns(
      opts: { routine?: string; status?: StoredRun['status']; limit?: number } = {},
    ): Promise<StoredRun[]> {
      let q = db.selectFrom('routine_runs').selectAll();
      if (opts.routine) q = q.where('routine', '=', opts.routine);
      if (opts.status) q = q.where('status', '=', opts.status);
      const rows = await q
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit ?? 100)
        .execute();
      return rows.map(toRun);
    },

    /** runs done but not yet delivered, oldest first */
    async undelivered(): Promise<StoredRun[]> {
      const rows = await db
        .selectFrom('routine_runs')
        .selectAll()
        .where('status', '=', 'done')
        .where('delivered_at', 'is', null)
        .orderBy('started_at')
        .execute();
      return rows.map(toRun);
    },

    async markDelivered(id: string, at: number): Promise<void> {
      await db.updateTable('routine_runs').set({ delivered_at: at }).where('id', '=', id).execute();
    },

    /**
     * Record a sign-off and close the run when it was the last step waiting,
     * in one transaction; only a step still pending in an open run is signed.
     * Returns whether the run is now done.
     */
    async signOff(
      runId: string,
      idx: number,
      s: { by: string; at: number; note: string | null; status: StepStatus },
    ): Promise<{ signed: boolean; closed: boolean }> {
      return db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('routine_steps')
          .set({ signed_by: s.by, signed_at: s.at, note: s.note, status: s.status })
          .where('run_id', '=', runId)
          .where('idx', '=', idx)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return { signed: false, closed: false };
        const waiting = await trx
          .selectFrom('routine_steps')
          .select('idx')
          .where('run_id', '=', runId)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (waiting) return { signed: true, closed: false };
        await trx
          .updateTable('routine_runs')
          .set({ status: 'done', ended_at: s.at })
          .where('id', '=', runId)
          .where('status', '=', 'open')
          .execute();
        return { signed: true, closed: true };
      });
    },

    /** close a run whose manual steps were never signed (its successor started) */
    async close(runId: string, at: number): Promise<boolean> {
      const r = await db
        .updateTable('routine_runs')
        .set({ status: 'done', ended_at: at })
        .where('id', '=', runId)
        .where('status', '=', 'open')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** manual steps of any run still waiting after their due time */
    async overdue(
      now: number,
    ): Promise<(StoredStep & { runId: string; routine: string; runStatus: StoredRun['status'] })[]> {
      const rows = await db
        .selectFrom('routine_steps')
        .innerJoin('routine_runs', 'routine_runs.id', 'routine_steps.run_id')
        .selectAll('routine_steps')
        .select(['routine_runs.routine', 'routine_runs.status as run_status'])
        .where('routine_steps.status', '=', 'pending')
        .where('routine_steps.due_at', '<', now)
        .orderBy('routine_steps.due_at')
        .execute();
      return rows.map((r) => ({
        ...toStep(r),
        runId: r.run_id,
        routine: r.routine,
        runStatus: r.run_status as StoredRun['status'],
      }));
    },

    async setBaseline(b: Baseline): Promise<void> {
      const row = {
        check_name: b.check,
        p50_ms: b.p50Ms,
        p95_ms: b.p95Ms,
        runs: b.runs,
        period_from: b.periodFrom,
        period_to: b.periodTo,
        set_at: b.setAt,
        set_by: b.setBy,
      };
      await db
        .insertInto('baselines')
        .values(row)
        .onConflict((oc) => oc.column('check_name').doUpdateSet(row))
        .execute();
    },

    async baselines(): Promise<Baseline[]> {
      const rows = await db.selectFrom('baselines').selectAll().orderBy('check_name').execute();
      return rows.map((r) => ({
        check: r.check_name,
        p50Ms: Number(r.p50_ms),
        p95Ms: Number(r.p95_ms),
        runs: Number(r.runs),
        periodFrom: Number(r.period_from),
        periodTo: Number(r.period_to),
        setAt: Number(r.set_at),
        setBy: r.set_by,
      }));
    },

    async recordMaintenance(m: MaintenanceRun): Promise<void> {
      await db
        .insertInto('maintenance_runs')
        .values({
          task: m.task,
          kind: m.kind,
          started_at: m.startedAt,
          duration_ms: m.durationMs,
          status: m.status,
          message: m.message,
        })
        .execute();
    },

    /** newest first */
    async maintenanceRuns(
      opts: { task?: string; from?: number; to?: number; limit?: number } = {},
    ): Promise<MaintenanceRun[]> {
      let q = db.selectFrom('maintenance_runs').selectAll();
      if (opts.task) q = q.where('task', '=', opts.task);
      if (opts.from !== undefined) q = q.where('started_at', '>=', opts.from);
      if (opts.to !== undefined) q = q.where('started_at', '<', opts.to);
      const rows = await q
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit ?? 1000)
        .execute();
      return rows.map((r) => ({
        task: r.task,
        kind: r.kind,
        startedAt: Number(r.started_at),
        durationMs: Number(r.duration_ms),
        status: r.status as MaintenanceRun['status'],
        message: r.message,
      }));
    },

    async pruneMaintenance(before: number): Promise<number> {
      const r = await db.deleteFrom('maintenance_runs').where('started_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type RoutinesRepo = ReturnType<typeof routinesRepo>;

import type { Kysely } from 'kysely';
import type { IncidentEvent } from './incidents.js';
import type { Tables } from './tables.js';

export type EscalationState = 'active' | 'acknowledged' | 'resolved' | 'exhausted';

export interface EscalationRow {
  id: number;
  incidentId: number;
  policy: string;
  state: EscalationState;
  /** the next step to take */
  round: number;
  step: number;
  nextAt: number;
  startedAt: number;
  updatedAt: number;
  message: unknown;
}

type Event = Pick<IncidentEvent, 'at' | 'kind' | 'text' | 'actor'>;

/**
 * Escalations under way, one row per incident and policy. A step is taken by a compare-and-set
 * on (state, round, step), together with its timeline events: two nodes (or a retry after a crash)
 * cannot take the same step twice, and a restart finds the next step where the row says.
 */
export function escalationsRepo(db: Kysely<Tables>) {
  const toRow = (r: Tables['escalations'] & { id: number }): EscalationRow => ({
    id: Number(r.id),
    incidentId: Number(r.incident_id),
    policy: r.policy,
    state: r.state as EscalationState,
    round: Number(r.round),
    step: Number(r.step),
    nextAt: Number(r.next_at),
    startedAt: Number(r.started_at),
    updatedAt: Number(r.updated_at),
    message: JSON.parse(r.message),
  });

  return {
    /** Starts an escalation at its first step, due at `at`; false when one exists for the incident and policy. */
    async start(e: { incidentId: number; policy: string; message: unknown; at: number }): Promise<boolean> {
      const r = await db
        .insertInto('escalations')
        .values({
          incident_id: e.incidentId,
          policy: e.policy,
          state: 'active',
          round: 0,
          step: 0,
          next_at: e.at,
          started_at: e.at,
          updated_at: e.at,
          message: JSON.stringify(e.message),
        })
        .onConflict((oc) => oc.columns(['incident_id', 'policy']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async due(now: number, limit = 100): Promise<EscalationRow[]> {
      const rows = await db
        .selectFrom('escalations')
        .selectAll()
        .where('state', '=', 'active')
        .where('next_at', '<=', now)
        .orderBy('next_at')
        .limit(limit)
        .execute();
      return rows.map((r) => toRow(r as never));
    },

    /** Active escalations whose incident is no longer open (acknowledged or resolved elsewhere), or gone. */
    async settled(limit = 100): Promise<EscalationRow[]> {
      const rows = await db
        .selectFrom('escalations')
        .leftJoin('incidents', 'incidents.id', 'escalations.incident_id')
        .selectAll('escalations')
        .where('escalations.state', '=', 'active')
        .where((eb) => eb.or([eb('incidents.status', 'is', null), eb('incidents.status', '!=', 'open')]))
        .limit(limit)
        .execute();
      return rows.map((r) => toRow(r as never));
    },

    async list(opts: { incidentId?: number; active?: boolean } = {}): Promise<EscalationRow[]> {
      let q = db.selectFrom('escalations').selectAll().orderBy('id', 'desc').limit(500);
      if (opts.incidentId !== undefined) q = q.where('incident_id', '=', opts.incidentId);
      if (opts.active) q = q.where('state', '=', 'active');
      return (await q.execute()).map((r) => toRow(r as never));
    },

    /**
     * Moves an escalation from the step it was at to `next` (or ends it with `state`), writing
     * `events` to the incident's timeline in the same transaction. False when another run got there first.
     */
    async move(
      row: Pick<EscalationRow, 'id' | 'incidentId' | 'round' | 'step'>,
      next: { round: number; step: number; nextAt: number } | { state: Exclude<EscalationState, 'active'> },
      events: readonly Event[],
      at: number,
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('escalations')
          .set(
            'state' in next
              ? { state: next.state, updated_at: at }
              : { round: next.round, step: next.step, next_at: next.nextAt, updated_at: at },
          )
          .where('id', '=', row.id)
          .where('state', '=', 'active')
          .where('round', '=', row.round)
          .where('step', '=', row.step)
          .executeTakeFirst();
        if (!Number(r.numUpdatedRows)) return false;
        for (const e of events)
          await trx
            .insertInto('incident_events')
            .values({ incident_id: row.incidentId, at: e.at, kind: e.kind, text: e.text, actor: e.actor })
            .execute();
        return true;
      });
    },

    /** The secret named `name`, made by `create` the first time; every node reads the same one. */
    async secret(name: string, create: () => string, at: number): Promise<string> {
      await db
        .insertInto('signing_keys')
        .values({ name, secret: create(), created_at: at })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const r = await db
        .selectFrom('signing_keys')
        .select('secret')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      return r.secret;
    },
  };
}

export type EscalationsRepo = ReturnType<typeof escalationsRepo>;

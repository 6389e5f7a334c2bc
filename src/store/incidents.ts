import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

export interface Incident {
  id: number;
  key: string;
  title: string;
  severity: string;
  status: IncidentStatus;
  /** fingerprints of its alerts still firing */
  alerts: string[];
  openedAt: number;
  ackedAt: number | null;
  ackedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
}

export interface IncidentEvent {
  at: number;
  kind:
    | 'opened'
    | 'alert_fired'
    | 'alert_resolved'
    | 'notified'
    | 'notify_failed'
    | 'acknowledged'
    | 'resolved'
    /** a step of an escalation policy: who was paged, or why it stopped */
    | 'escalation';
  text: string;
  actor: string | null;
}

export function incidentsRepo(db: Kysely<Tables>) {
  const toIncident = (r: Tables['incidents'] & { id: number }): Incident => ({
    id: Number(r.id),
    key: r.key,
    title: r.title,
    severity: r.severity,
    status: r.status as IncidentStatus,
    alerts: JSON.parse(r.alerts) as string[],
    openedAt: Number(r.opened_at),
    ackedAt: r.acked_at === null ? null : Number(r.acked_at),
    ackedBy: r.acked_by,
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    resolvedBy: r.resolved_by,
  });
  const event = (id: number, e: IncidentEvent) =>
    db
      .insertInto('incident_events')
      .values({ incident_id: id, at: e.at, kind: e.kind, text: e.text, actor: e.actor })
      .execute();

  return {
    event,

    /** The open (or acknowledged) incident with this key. */
    async current(key: string): Promise<Incident | undefined> {
      const r = await db
        .selectFrom('incidents')
        .selectAll()
        .where('key', '=', key)
        .where('status', '!=', 'resolved')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return r && toIncident(r as never);
    },

    async open(i: {
      key: string;
      title: string;
      severity: string;
      alert: string;
      at: number;
    }): Promise<Incident> {
      const r = await db
        .insertInto('incidents')
        .values({
          key: i.key,
          title: i.title,
          severity: i.severity,
          status: 'open',
          alerts: JSON.stringify([i.alert]),
          opened_at: i.at,
          acked_at: null,
          acked_by: null,
          resolved_at: null,
          resolved_by: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(r.id);
      await event(id, { at: i.at, kind: 'opened', text: i.title, actor: null });
      return (await this.get(id))!;
    },

    async setAlerts(id: number, alerts: string[]): Promise<void> {
      await db
        .updateTable('incidents')
        .set({ alerts: JSON.stringify(alerts) })
        .where('id', '=', id)
        .execute();
    },

    async ack(id: number, by: string, at: number): Promise<Incident | undefined> {
      await db
        .updateTable('incidents')
        .set({ status: 'acknowledged', acked_at: at, acked_by: by })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .execute();
      const i = await this.get(id);
      if (i?.ackedAt === at)
        await event(id, { at, kind: 'acknowledged', text: `acknowledged by ${by}`, actor: by });
      return i;
    },

    async resolve(id: number, by: string | null, at: number): Promise<Incident | undefined> {
      const r = await db
        .updateTable('incidents')
        .set({ status: 'resolved', resolved_at: at, resolved_by: by })
        .where('id', '=', id)
        .where('status', '!=', 'resolved')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows))
        await event(id, {
          at,
          kind: 'resolved',
          text: by ? `resolved by ${by}` : 'resolved: all its alerts resolved',
          actor: by,
        });
      return this.get(id);
    },

    async get(id: number): Promise<Incident | undefined> {
      const r = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toIncident(r as never);
    },

    async timeline(id: number): Promise<IncidentEvent[]> {
      const rows = await db
        .selectFrom('incident_events')
        .selectAll()
        .where('incident_id', '=', id)
        .orderBy('at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        at: Number(r.at),
        kind: r.kind as IncidentEvent['kind'],
        text: r.text,
        actor: r.actor,
      }));
    },

    /** Newest first; without `all`, only those not resolved. `from`/`to` bound the opening time. */
    async list(
      opts: { all?: boolean; from?: number; to?: number; limit?: number } = {},
    ): Promise<Incident[]> {
      let q = db
        .selectFrom('incidents')
        .selectAll()
        .orderBy('opened_at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit ?? 500);
      if (!opts.all) q = q.where('status', '!=', 'resolved');
      if (opts.from !== undefined) q = q.where('opened_at', '>=', opts.from);
      if (opts.to !== undefined) q = q.where('opened_at', '<', opts.to);
      return (await q.execute()).map((r) => toIncident(r as never));
    },
  };
}

export type IncidentsRepo = ReturnType<typeof incidentsRepo>;

/**
 * Mean time to acknowledge and to resolve for incidents opened in [from, to):
 * an incident never acknowledged counts its resolution as the acknowledgement
 * (someone acted), one still open is left out of MTTR.
 */
export function incidentStats(list: readonly Incident[], from: number, to: number) {
  const inPeriod = list.filter((i) => i.openedAt >= from && i.openedAt < to);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const ack = inPeriod.flatMap((i) => {
    const at = i.ackedAt ?? i.resolvedAt;
    return at === null ? [] : [at - i.openedAt];
  });
  const res = inPeriod.flatMap((i) => (i.resolvedAt === null ? [] : [i.resolvedAt - i.openedAt]));
  return {
    count: inPeriod.length,
    open: inPeriod.filter((i) => i.status !== 'resolved').length,
    mttaMs: mean(ack),
    mttrMs: mean(res),
    longestMs: res.length ? Math.max(...res) : null,
  };
}

import type { Kysely } from 'kysely';
import type { OutboxPayload } from '../notify/types.js';
import { chunk } from './chunk.js';
import type { Tables } from './tables.js';

export type StatusIncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export const statusIncidentStatuses: readonly StatusIncidentStatus[] = [
  'investigating',
  'identified',
  'monitoring',
  'resolved',
];
export type Impact = 'none' | 'minor' | 'major' | 'critical';

export interface StatusUpdate {
  id: number;
  incidentId: number;
  status: StatusIncidentStatus;
  body: string;
  at: number;
  author: string;
}

export interface StatusIncident {
  id: number;
  title: string;
  status: StatusIncidentStatus;
  impact: Impact;
  /** status page group names */
  components: string[];
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  /** newest first */
  updates: StatusUpdate[];
}

export interface Subscriber {
  id: string;
  kind: 'email' | 'webhook';
  address: string;
  createdAt: number;
  confirmedAt: number | null;
}

/** The status page's incidents as operators post them, their updates, and its subscribers. */
export function statusRepo(db: Kysely<Tables>) {
  const toUpdate = (r: Tables['status_updates'] & { id: number }): StatusUpdate => ({
    id: Number(r.id),
    incidentId: Number(r.incident_id),
    status: r.status as StatusIncidentStatus,
    body: r.body,
    at: Number(r.at),
    author: r.author,
  });
  const toSubscriber = (r: Tables['subscribers']): Subscriber => ({
    id: r.id,
    kind: r.kind as Subscriber['kind'],
    address: r.address,
    createdAt: Number(r.created_at),
    confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
  });
  const withUpdates = async (
    rows: (Tables['status_incidents'] & { id: number })[],
  ): Promise<StatusIncident[]> => {
    if (!rows.length) return [];
    const ids = rows.map((r) => Number(r.id));
    const updates = (
      await db
        .selectFrom('status_updates')
        .selectAll()
        .where('incident_id', 'in', ids)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .execute()
    ).map((u) => toUpdate(u as never));
    return rows.map((r) => ({
      id: Number(r.id),
      title: r.title,
      status: r.status as StatusIncidentStatus,
      impact: r.impact as Impact,
      components: JSON.parse(r.components) as string[],
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
      updates: updates.filter((u) => u.incidentId === Number(r.id)),
    }));
  };

  return {
    /** Opens an incident on the status page with its first update. */
    async open(i: {
      title: string;
      status: StatusIncidentStatus;
      impact: Impact;
      components: string[];
      body: string;
      author: string;
      at: number;
    }): Promise<{ incident: StatusIncident; update: StatusUpdate }> {
      const id = await db.transaction().execute(async (trx) => {
        const r = await trx
          .insertInto('status_incidents')
          .values({
            title: i.title,
            status: i.status,
            impact: i.impact,
            components: JSON.stringify(i.components),
            created_at: i.at,
            updated_at: i.at,
            resolved_at: i.status === 'resolved' ? i.at : null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('status_updates')
          .values({ incident_id: Number(r.id), status: i.status, body: i.body, at: i.at, author: i.author })
          .execute();
        return Number(r.id);
      });
      const incident = (await this.get(id))!;
      return { incident, update: incident.updates[0]! };
    },

    /** Adds an update and moves the incident to its status. */
    async update(
      id: number,
      u: { status: StatusIncidentStatus; body: string; author: string; at: number },
    ): Promise<{ incident: StatusIncident; update: StatusUpdate } | undefined> {
      const done = await db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('status_incidents')
          .set({ status: u.status, updated_at: u.at, resolved_at: u.status === 'resolved' ? u.at : null })
          .where('id', '=', id)
          .executeTakeFirst();
        if (!Number(r.numUpdatedRows)) return false;
        await trx
          .insertInto('status_updates')
          .values({ incident_id: id, status: u.status, body: u.body, at: u.at, author: u.author })
          .execute();
        return true;
      });
      if (!done) return undefined;
      const incident = (await this.get(id))!;
      return { incident, update: incident.updates[0]! };
    },

    async get(id: number): Promise<StatusIncident | undefined> {
      const r = await db.selectFrom('status_incidents').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? (await withUpdates([r as never]))[0] : undefined;
    },

    /** Newest first: those not resolved, and those resolved since `resolvedSince`. */
    async list(resolvedSince: number, limit = 50): Promise<StatusIncident[]> {
      const rows = await db
        .selectFrom('status_incidents')
        .selectAll()
        .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', resolvedSince)]))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return withUpdates(rows as never);
    },

    /** The newest updates of every incident, for feeds. */
    async recentUpdates(limit = 50): Promise<(StatusUpdate & { title: string })[]> {
      const rows = await db
        .selectFrom('status_updates')
        .innerJoin('status_incidents', 'status_incidents.id', 'status_updates.incident_id')
        .selectAll('status_updates')
        .select('status_incidents.title')
        .orderBy('status_updates.at', 'desc')
        .orderBy('status_updates.id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ ...toUpdate(r as never), title: r.title }));
    },

    /** A new subscriber, or the existing one with that address (a second sign-up sends the confirmation again). */
    async subscribe(s: Omit<Subscriber, 'confirmedAt'> & { confirmed: boolean }): Promise<Subscriber> {
      await db
        .insertInto('subscribers')
        .values({
          id: s.id,
          kind: s.kind,
          address: s.address,
          created_at: s.createdAt,
          confirmed_at: s.confirmed ? s.createdAt : null,
        })
        .onConflict((oc) => oc.columns(['kind', 'address']).doNothing())
        .execute();
      const r = await db
        .selectFrom('subscribers')
        .selectAll()
        .where('kind', '=', s.kind)
        .where('address', '=', s.address)
        .executeTakeFirstOrThrow();
      return toSubscriber(r);
    },

    async confirm(id: string, at: number): Promise<Subscriber | undefined> {
      await db
        .updateTable('subscribers')
        .set({ confirmed_at: at })
        .where('id', '=', id)
        .where('confirmed_at', 'is', null)
        .execute();
      const r = await db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toSubscriber(r);
    },

    /**
     * Deletes the subscriber, and nothing of the address is kept: the messages to it in the
     * outbox go too, those still waiting (an unsubscribe stops them) and those sent (with their
     * attempts), in one transaction.
     */
    async remove(where: { id: string } | { address: string }): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const gone = await trx
          .deleteFrom('subscribers')
          .where('id' in where ? 'id' : 'address', '=', 'id' in where ? where.id : where.address)
          .returning(['address'])
          .execute();
        for (const { address } of gone) {
          // LIKE narrows the search (its wildcards only ever widen it); the payload decides.
          const rows = await trx
            .selectFrom('notifications')
            .select(['id', 'payload'])
            .where('id', 'like', 'sub-%')
            .where('payload', 'like', `%${JSON.stringify(address)}%`)
            .execute();
          const ids = rows
            .filter((r) => (JSON.parse(r.payload) as OutboxPayload).announcement?.to?.includes(address))
            .map((r) => r.id);
          for (const part of chunk(ids, 1, { maxParams: 500, keepsStatements: true })) {
            await trx.deleteFrom('notification_attempts').where('notification_id', 'in', part).execute();
            await trx.deleteFrom('notifications').where('id', 'in', part).execute();
          }
        }
        return gone.length;
      });
    },

    async subscribers(opts: { confirmed?: boolean; address?: string } = {}): Promise<Subscriber[]> {
      let q = db.selectFrom('subscribers').selectAll().orderBy('created_at');
      if (opts.confirmed) q = q.where('confirmed_at', 'is not', null);
      if (opts.address !== undefined) q = q.where('address', '=', opts.address);
      return (await q.execute()).map(toSubscriber);
    },
  };
}

export type StatusRepo = ReturnType<typeof statusRepo>;

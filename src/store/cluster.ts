import { type Kysely, sql } from 'kysely';
import type { Tables } from './tables.js';

export interface NodeRow {
  id: string;
  host: string;
  pid: number;
  version: string;
  url: string | null;
  startedAt: number;
  heartbeatAt: number;
  stoppedAt: number | null;
}

export interface LeaseRow {
  name: string;
  holder: string | null;
  epoch: number;
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
}

export interface HeldLease {
  name: string;
  epoch: number;
}

/**
 * Membership and leases as rows: every change is one conditional statement, so
 * it works through a transaction-mode pooler (no advisory locks, no session
 * state). A lease is taken only when free or expired, and each taking raises
 * its epoch and is written to the history in the same transaction: two holders
 * of one epoch cannot exist, and the history shows every change of holder.
 */
export function clusterRepo(db: Kysely<Tables>) {
  const toNode = (r: Tables['cluster_nodes']): NodeRow => ({
    id: r.id,
    host: r.host,
    pid: r.pid,
    version: r.version,
    url: r.url,
    startedAt: Number(r.started_at),
    heartbeatAt: Number(r.heartbeat_at),
    stoppedAt: r.stopped_at === null ? null : Number(r.stopped_at),
  });
  const toLease = (r: Tables['cluster_leases']): LeaseRow => ({
    name: r.name,
    holder: r.holder,
    epoch: Number(r.epoch),
    acquiredAt: Number(r.acquired_at),
    renewedAt: Number(r.renewed_at),
    expiresAt: Number(r.expires_at),
  });

  return {
    /** This node is alive at `now` (inserted on first call). */
    async heartbeat(node: Omit<NodeRow, 'heartbeatAt' | 'stoppedAt'>, now: number): Promise<void> {
      await db
        .insertInto('cluster_nodes')
        .values({
          id: node.id,
          host: node.host,
          pid: node.pid,
          version: node.version,
          url: node.url,
          started_at: node.startedAt,
          heartbeat_at: now,
          stopped_at: null,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({ heartbeat_at: now, url: node.url, stopped_at: null }),
        )
        .execute();
    },

    /** A clean stop: the node's leases are freed at once, so others take them without waiting. */
    async leave(nodeId: string, now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('cluster_leases')
          .set({ holder: null, expires_at: now })
          .where('holder', '=', nodeId)
          .execute();
        await trx.updateTable('cluster_nodes').set({ stopped_at: now }).where('id', '=', nodeId).execute();
      });
    },

    async nodes(): Promise<NodeRow[]> {
      return (
        await db.selectFrom('cluster_nodes').selectAll().orderBy('started_at').orderBy('id').execute()
      ).map(toNode);
    },

    async leases(): Promise<LeaseRow[]> {
      return (await db.selectFrom('cluster_leases').selectAll().orderBy('name').execute()).map(toLease);
    },

    /** Takes `name` if free or expired at `now`; the new epoch, or undefined when someone holds it. */
    async acquire(name: string, nodeId: string, now: number, ttlMs: number): Promise<number | undefined> {
      return db.transaction().execute(async (trx) => {
        await trx
          .insertInto('cluster_leases')
          .values({ name, holder: null, epoch: 0, acquired_at: 0, renewed_at: 0, expires_at: 0 })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
        // Under PostgreSQL's read committed, a concurrent taker waits for this row and then
        // re-reads it: it finds the new expiry and takes nothing.
        const row = await trx
          .updateTable('cluster_leases')
          .set((eb) => ({
            holder: nodeId,
            epoch: eb('epoch', '+', 1),
            acquired_at: now,
            renewed_at: now,
            expires_at: now + ttlMs,
          }))
          .where('name', '=', name)
          .where((eb) => eb.or([eb('holder', 'is', null), eb('expires_at', '<=', now)]))
          .returning('epoch')
          .executeTakeFirst();
        if (!row) return undefined;
        const epoch = Number(row.epoch);
        await trx
          .insertInto('cluster_lease_history')
          .values({ name, epoch, holder: nodeId, acquired_at: now })
          .execute();
        return epoch;
      });
    },

    /** Extends every unexpired lease this node holds; what it still holds, with epochs. */
    async renew(nodeId: string, now: number, ttlMs: number): Promise<HeldLease[]> {
      const rows = await db
        .updateTable('cluster_leases')
        .set({ renewed_at: now, expires_at: now + ttlMs })
        .where('holder', '=', nodeId)
        .where('expires_at', '>', now)
        .returning(['name', 'epoch'])
        .execute();
      return rows.map((r) => ({ name: r.name, epoch: Number(r.epoch) }));
    },

    /** Gives a lease back (rebalancing, a clean stop): free at once, epoch kept. */
    async release(name: string, nodeId: string, epoch: number, now: number): Promise<void> {
      await db
        .updateTable('cluster_leases')
        .set({ holder: null, expires_at: now })
        .where('name', '=', name)
        .where('holder', '=', nodeId)
        .where('epoch', '=', epoch)
        .execute();
    },

    /** Every change of holder of `name`, oldest first: the proof that no epoch had two owners. */
    async history(
      name?: string,
    ): Promise<Array<{ name: string; epoch: number; holder: string; acquiredAt: number }>> {
      let q = db.selectFrom('cluster_lease_history').selectAll().orderBy('name').orderBy('epoch');
      if (name) q = q.where('name', '=', name);
      return (await q.execute()).map((r) => ({
        name: r.name,
        epoch: Number(r.epoch),
        holder: r.holder,
        acquiredAt: Number(r.acquired_at),
      }));
    },

    /**
     * Claims one due time of a scheduled job for this node: the first node to ask
     * wins, every other is told no. A claim by a node that stopped heart-beating
     * before running it can be taken over, so a death mid-claim loses no run.
     */
    async claimRun(jobId: string, dueAt: number, nodeId: string, now: number): Promise<boolean> {
      const r = await db
        .insertInto('job_claims')
        .values({ job_id: jobId, due_at: dueAt, node: nodeId, claimed_at: now })
        .onConflict((oc) => oc.columns(['job_id', 'due_at']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async claims(jobId?: string): Promise<Array<{ jobId: string; dueAt: number; node: string }>> {
      let q = db.selectFrom('job_claims').selectAll().orderBy('job_id').orderBy('due_at');
      if (jobId) q = q.where('job_id', '=', jobId);
      return (await q.execute()).map((r) => ({ jobId: r.job_id, dueAt: Number(r.due_at), node: r.node }));
    },

    async pruneClaims(before: number): Promise<number> {
      const r = await db.deleteFrom('job_claims').where('due_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    /** The database's own clock, to measure this node's skew against it. */
    async databaseNow(): Promise<number> {
      const r = await sql<{
        now: string | number;
      }>`select extract(epoch from clock_timestamp()) * 1000 as now`.execute(db);
      return Number(r.rows[0]?.now);
    },
  };
}

export type ClusterRepo = ReturnType<typeof clusterRepo>;

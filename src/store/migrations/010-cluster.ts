import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * Several nodes on one PostgreSQL: who is alive, who holds which lease (with a
 * fencing epoch that grows at every change of holder, and its history), which
 * node claimed each scheduled job's due time, and which node claimed each
 * notification of the outbox. On SQLite the node table alone is used: a second
 * daemon on the same file is refused while the first is alive.
 */
export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  await db.schema
    .createTable('cluster_nodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('started_at', d.bigint, (c) => c.notNull())
    .addColumn('heartbeat_at', d.bigint, (c) => c.notNull())
    .addColumn('stopped_at', d.bigint)
    .execute();
  await db.schema
    .createTable('cluster_leases')
    /** `shard:3`, `alerting` */
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text')
    /** grows by one at every acquisition: work done under an older epoch is refused */
    .addColumn('epoch', d.bigint, (c) => c.notNull())
    .addColumn('acquired_at', d.bigint, (c) => c.notNull())
    .addColumn('renewed_at', d.bigint, (c) => c.notNull())
    .addColumn('expires_at', d.bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('cluster_lease_history')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('epoch', d.bigint, (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('acquired_at', d.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('cluster_lease_history_pk', ['name', 'epoch'])
    .execute();
  await db.schema
    .createTable('job_claims')
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('due_at', d.bigint, (c) => c.notNull())
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('claimed_at', d.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('job_claims_pk', ['job_id', 'due_at'])
    .execute();
  await db.schema.alterTable('notifications').addColumn('claimed_by', 'text').execute();
  /** the node that grouped the alerts and wrote the notification */
  await db.schema.alterTable('notifications').addColumn('created_by', 'text').execute();
  /** the node that made the attempt: which one sent what, after a failover */
  await db.schema.alterTable('notification_attempts').addColumn('node', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('claimed_until', d.bigint).execute();
  /** claims taken of this notification: more than attempts + 1 means a claimer died mid-send */
  await db.schema
    .alterTable('notifications')
    .addColumn('claims', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

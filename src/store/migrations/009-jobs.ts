import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * The job runner's memory: when each timed job was first seen and how its last
 * run went, so a slot missed while Vigil was down is run once at start (for the
 * jobs whose policy says so) and `vigil jobs` shows the last run.
 */
export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  await db.schema
    .createTable('jobs')
    /** `backup:orders-db`, `routine:weekly`, … */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', d.bigint, (c) => c.notNull())
    .addColumn('last_due_at', d.bigint)
    .addColumn('last_started_at', d.bigint)
    .addColumn('last_ended_at', d.bigint)
    /** 1 ok, 0 failed */
    .addColumn('last_ok', 'integer')
    .addColumn('last_message', 'text')
    .execute();
}

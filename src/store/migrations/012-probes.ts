import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * Checks run from several places: a probe token's location, the agents that
 * report, each location's results and its latest state per check. The check's
 * own results (its verdict by quorum) stay in `check_results`.
 */
export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  /** a probe token's location; null for every other token */
  await db.schema.alterTable('api_tokens').addColumn('location', 'text').execute();

  await db.schema
    .createTable('probe_agents')
    /** chosen by the agent once and kept in its state directory */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('token_name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', d.bigint, (c) => c.notNull())
    .addColumn('last_contact_at', d.bigint, (c) => c.notNull())
    /** the newest result's start, as the agent stamped it */
    .addColumn('last_result_at', d.bigint)
    /** how late the last batch arrived: receipt minus its oldest result's start */
    .addColumn('lag_ms', d.bigint)
    /** results waiting on the agent's disk when it last pushed */
    .addColumn('buffered', 'integer', (c) => c.notNull().defaultTo(0))
    /** the highest result number stored: a batch sent twice is stored once */
    .addColumn('last_seq', d.bigint, (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('location_results')
    .addColumn('check_name', 'text', (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('started_at', d.bigint, (c) => c.notNull())
    .addColumn('duration_ms', d.double, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('location_results_by_check')
    .on('location_results')
    .columns(['check_name', 'location', 'started_at'])
    .execute();
  await db.schema
    .createIndex('location_results_by_time')
    .on('location_results')
    .column('started_at')
    .execute();

  await db.schema
    .createTable('check_locations')
    .addColumn('check_name', 'text', (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('last_at', d.bigint, (c) => c.notNull())
    .addColumn('last_status', 'text', (c) => c.notNull())
    .addColumn('last_message', 'text', (c) => c.notNull())
    .addColumn('last_duration_ms', d.double, (c) => c.notNull())
    .addPrimaryKeyConstraint('check_locations_pk', ['check_name', 'location'])
    .execute();
}

import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * Change records (planned, started, finished or rolled back, with their rollback plans) and
 * their timelines, including gate overrides, which are recorded even without a change record.
 */
export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  const autoId = (col: any) =>
    d.name === 'postgres'
      ? col.generatedByDefaultAsIdentity().primaryKey()
      : col.primaryKey().autoIncrement();

  await db.schema
    .createTable('changes')
    .addColumn('id', d.bigint, autoId)
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('environment', 'text')
    .addColumn('version', 'text')
    /** planned | in_progress | ok | failed | rolled-back */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('planned_at', d.bigint, (c) => c.notNull())
    .addColumn('window_name', 'text')
    /** JSON: the structured rollback plan, or null */
    .addColumn('rollback', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', d.bigint, (c) => c.notNull())
    .addColumn('started_at', d.bigint)
    .addColumn('finished_at', d.bigint)
    .addColumn('updated_at', d.bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('changes_by_planned').on('changes').column('planned_at').execute();
  await db.schema
    .createIndex('changes_by_service')
    .on('changes')
    .columns(['service', 'planned_at'])
    .execute();

  await db.schema
    .createTable('change_events')
    .addColumn('id', d.bigint, autoId)
    /** null for a gate override given without a change record */
    .addColumn('change_id', d.bigint)
    .addColumn('at', d.bigint, (c) => c.notNull())
    /** planned | started | finished | rollback_started | rollback_step | rollback_finished | override | gate */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    /** JSON details (a gate decision, a step's exit code), or null */
    .addColumn('data', 'text')
    .execute();
  await db.schema
    .createIndex('change_events_by_change')
    .on('change_events')
    .columns(['change_id', 'at'])
    .execute();
}

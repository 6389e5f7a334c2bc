import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * Routines and maintenance: every run of a routine with its steps' findings
 * and sign-offs, the latency baselines performance steps compare against, and
 * every run of a maintenance task.
 */
export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  const serial = (col: any) =>
    d.name === 'postgres'
      ? col.generatedByDefaultAsIdentity().primaryKey()
      : col.primaryKey().autoIncrement();
  await db.schema
    .createTable('routine_runs')
    /** `<routine>@<scheduled time>`: two nodes scheduling the same run write it once */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('routine', 'text', (c) => c.notNull())
    .addColumn('started_at', d.bigint, (c) => c.notNull())
    .addColumn('period_from', d.bigint, (c) => c.notNull())
    .addColumn('period_to', d.bigint, (c) => c.notNull())
    /** open (manual steps wait for sign-off) | done */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ended_at', d.bigint)
    .addColumn('delivered_at', d.bigint)
    .execute();
  await db.schema
    .createIndex('routine_runs_by_routine')
    .on('routine_runs')
    .columns(['routine', 'started_at'])
    .execute();
  await db.schema
    .createTable('routine_steps')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    /** ok | attention | failed | skipped | pending (a manual step not yet signed off) */
    .addColumn('status', 'text', (c) => c.notNull())
    /** JSON: the step's section (summary, findings, charts, reason) */
    .addColumn('section', 'text', (c) => c.notNull())
    .addColumn('due_at', d.bigint)
    .addColumn('signed_by', 'text')
    .addColumn('signed_at', d.bigint)
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('routine_steps_pk', ['run_id', 'idx'])
    .execute();
  await db.schema
    .createTable('baselines')
    .addColumn('check_name', 'text', (c) => c.primaryKey())
    .addColumn('p50_ms', d.double, (c) => c.notNull())
    .addColumn('p95_ms', d.double, (c) => c.notNull())
    .addColumn('runs', 'integer', (c) => c.notNull())
    .addColumn('period_from', d.bigint, (c) => c.notNull())
    .addColumn('period_to', d.bigint, (c) => c.notNull())
    .addColumn('set_at', d.bigint, (c) => c.notNull())
    .addColumn('set_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('maintenance_runs')
    .addColumn('id', d.bigint, serial)
    .addColumn('task', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('started_at', d.bigint, (c) => c.notNull())
    .addColumn('duration_ms', d.bigint, (c) => c.notNull())
    /** ok | failed | timeout */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('maintenance_runs_by_task')
    .on('maintenance_runs')
    .columns(['task', 'started_at'])
    .execute();
}

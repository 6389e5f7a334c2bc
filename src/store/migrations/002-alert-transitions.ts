import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/** Every alert state change, with its time and reason: alert history for the API and reports. */
export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  await db.schema
    .createTable('alert_transitions')
    .addColumn('id', d.bigint, (col: any) =>
      d.name === 'postgres'
        ? col.generatedByDefaultAsIdentity().primaryKey()
        : col.primaryKey().autoIncrement(),
    )
    .addColumn('at', d.bigint, (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('value', d.double)
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_transitions_by_time').on('alert_transitions').column('at').execute();
  await db.schema
    .createIndex('alert_transitions_by_alert')
    .on('alert_transitions')
    .columns(['fingerprint', 'at'])
    .execute();
}

import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * On call: escalations under way (one row per incident and policy, with the next step's due
 * time, so a restart continues where it stood), and the keys that sign acknowledgement links.
 */
export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  const autoId = (col: any) =>
    d.name === 'postgres'
      ? col.generatedByDefaultAsIdentity().primaryKey()
      : col.primaryKey().autoIncrement();
  await db.schema
    .createTable('escalations')
    .addColumn('id', d.bigint, autoId)
    .addColumn('incident_id', d.bigint, (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    /** active | acknowledged | resolved | exhausted */
    .addColumn('state', 'text', (c) => c.notNull())
    /** the next step to take: round (0 = first pass) and index into the policy's steps */
    .addColumn('round', 'integer', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('next_at', d.bigint, (c) => c.notNull())
    .addColumn('started_at', d.bigint, (c) => c.notNull())
    .addColumn('updated_at', d.bigint, (c) => c.notNull())
    /** JSON: the page's title, body and notification data, as the route rendered them */
    .addColumn('message', 'text', (c) => c.notNull())
    .addUniqueConstraint('escalations_incident_policy', ['incident_id', 'policy'])
    .execute();
  await db.schema.createIndex('escalations_due').on('escalations').columns(['state', 'next_at']).execute();
  await db.schema
    .createTable('signing_keys')
    .addColumn('name', 'text', (c) => c.primaryKey())
    /** random, hex; never leaves the store */
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', d.bigint, (c) => c.notNull())
    .execute();
}

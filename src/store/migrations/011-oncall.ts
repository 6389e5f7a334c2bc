import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * On call and keeping people told. Escalations under way (one row per incident and policy, with the next step's due
 * time, so a restart continues where it stood), the keys that sign acknowledgement links; the
 * status page's incidents and their updates as operators post them, and its subscribers.
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
  await db.schema
    .createTable('status_incidents')
    .addColumn('id', d.bigint, autoId)
    .addColumn('title', 'text', (c) => c.notNull())
    /** investigating | identified | monitoring | resolved */
    .addColumn('status', 'text', (c) => c.notNull())
    /** none | minor | major | critical */
    .addColumn('impact', 'text', (c) => c.notNull())
    /** JSON array of status page group names */
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('created_at', d.bigint, (c) => c.notNull())
    .addColumn('updated_at', d.bigint, (c) => c.notNull())
    .addColumn('resolved_at', d.bigint)
    .execute();
  await db.schema
    .createTable('status_updates')
    .addColumn('id', d.bigint, autoId)
    .addColumn('incident_id', d.bigint, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('at', d.bigint, (c) => c.notNull())
    /** who posted it (never shown on the public page) */
    .addColumn('author', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('status_updates_by_incident')
    .on('status_updates')
    .columns(['incident_id', 'at'])
    .execute();
  await db.schema
    .createTable('subscribers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** email | webhook */
    .addColumn('kind', 'text', (c) => c.notNull())
    /** an e-mail address or a URL: personal data, never on the public page or in /metrics */
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('created_at', d.bigint, (c) => c.notNull())
    /** null until the address confirmed (double opt-in); webhooks added by an operator start confirmed */
    .addColumn('confirmed_at', d.bigint)
    .addUniqueConstraint('subscribers_kind_address', ['kind', 'address'])
    .execute();
}

import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * The notification pipeline's durable state: the outbox and its delivery log,
 * the notification log that de-duplicates group flushes, the alerts the
 * notifier holds, silences, and incidents with their timelines.
 */
export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  const autoId = (col: any) =>
    d.name === 'postgres'
      ? col.generatedByDefaultAsIdentity().primaryKey()
      : col.primaryKey().autoIncrement();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('alerts', 'integer', (c) => c.notNull())
    .addColumn('incidents', 'text', (c) => c.notNull())
    .addColumn('created_at', d.bigint, (c) => c.notNull())
    .addColumn('next_attempt_at', d.bigint, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('finished_at', d.bigint)
    .execute();
  await db.schema
    .createIndex('notifications_due')
    .on('notifications')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema.createIndex('notifications_by_time').on('notifications').column('created_at').execute();

  await db.schema
    .createTable('notification_attempts')
    .addColumn('id', d.bigint, autoId)
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('at', d.bigint, (c) => c.notNull())
    .addColumn('duration_ms', d.double, (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .execute();
  await db.schema
    .createIndex('notification_attempts_by_notification')
    .on('notification_attempts')
    .columns(['notification_id', 'at'])
    .execute();

  await db.schema
    .createTable('notify_log')
    .addColumn('receiver', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('firing', 'text', (c) => c.notNull())
    .addColumn('resolved', 'text', (c) => c.notNull())
    .addColumn('sent_at', d.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('notify_log_pk', ['receiver', 'group_key'])
    .execute();

  await db.schema
    .createTable('notify_alerts')
    .addColumn('fingerprint', 'text', (c) => c.primaryKey())
    .addColumn('rule_group', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('starts_at', d.bigint, (c) => c.notNull())
    .addColumn('ends_at', d.bigint)
    .execute();

  await db.schema
    .createTable('silences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', d.bigint, (c) => c.notNull())
    .addColumn('ends_at', d.bigint, (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_at', d.bigint, (c) => c.notNull())
    .addColumn('updated_at', d.bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', d.bigint, autoId)
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('alerts', 'text', (c) => c.notNull())
    .addColumn('opened_at', d.bigint, (c) => c.notNull())
    .addColumn('acked_at', d.bigint)
    .addColumn('acked_by', 'text')
    .addColumn('resolved_at', d.bigint)
    .addColumn('resolved_by', 'text')
    .execute();
  await db.schema.createIndex('incidents_by_key').on('incidents').columns(['key', 'status']).execute();
  await db.schema.createIndex('incidents_by_time').on('incidents').column('opened_at').execute();

  await db.schema
    .createTable('incident_events')
    .addColumn('id', d.bigint, autoId)
    .addColumn('incident_id', d.bigint, (c) => c.notNull())
    .addColumn('at', d.bigint, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .execute();
  await db.schema
    .createIndex('incident_events_by_incident')
    .on('incident_events')
    .columns(['incident_id', 'at'])
    .execute();
}

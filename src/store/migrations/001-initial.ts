import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  const clustered = (b: { modifyEnd(s: ReturnType<typeof sql>): any }) =>
    d.clusteredTables ? b.modifyEnd(sql`without rowid`) : b;
  const id = (col: any) =>
    d.name === 'postgres'
      ? col.generatedByDefaultAsIdentity().primaryKey()
      : col.primaryKey().autoIncrement();

  await db.schema
    .createTable('checks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('first_seen', d.bigint, (c) => c.notNull())
    .addColumn('last_at', d.bigint)
    .addColumn('last_status', 'text')
    .addColumn('last_message', 'text')
    .addColumn('last_duration_ms', d.double)
    .execute();

  await db.schema
    .createTable('check_results')
    .addColumn('id', d.bigint, id)
    .addColumn('check_name', 'text', (c) => c.notNull())
    .addColumn('started_at', d.bigint, (c) => c.notNull())
    .addColumn('duration_ms', d.double, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('check_results_by_check')
    .on('check_results')
    .columns(['check_name', 'started_at'])
    .execute();
  await db.schema.createIndex('check_results_by_time').on('check_results').column('started_at').execute();

  await db.schema
    .createTable('series')
    .addColumn('id', d.bigint, id)
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addUniqueConstraint('series_identity', ['metric', 'labels'])
    .execute();

  await clustered(
    db.schema
      .createTable('samples')
      .addColumn('series_id', d.bigint, (c) => c.notNull())
      .addColumn('ts', d.bigint, (c) => c.notNull())
      // NULL holds NaN, which SQLite cannot store; `stale` marks where a series ended
      .addColumn('value', d.double)
      .addColumn('stale', 'smallint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('samples_pk', ['series_id', 'ts']),
  ).execute();
  // No index on ts alone: every sample insert would pay for a second b-tree.
  // Retention deletes series by series through the primary key instead.

  // Keyed by (resolution, bucket, check) so "every check over 90 days" is one range scan.
  await clustered(
    db.schema
      .createTable('rollups')
      .addColumn('resolution', 'text', (c) => c.notNull())
      .addColumn('bucket', d.bigint, (c) => c.notNull())
      .addColumn('check_name', 'text', (c) => c.notNull())
      .addColumn('runs', d.bigint, (c) => c.notNull())
      .addColumn('up', d.bigint, (c) => c.notNull())
      .addColumn('duration_sum', d.double, (c) => c.notNull())
      .addColumn('duration_max', d.double, (c) => c.notNull())
      .addPrimaryKeyConstraint('rollups_pk', ['resolution', 'bucket', 'check_name']),
  ).execute();
  await db.schema
    .createIndex('rollups_by_check')
    .on('rollups')
    .columns(['check_name', 'resolution', 'bucket'])
    .execute();

  await db.schema
    .createTable('heartbeats')
    .addColumn('id', d.bigint, id)
    .addColumn('check_name', 'text', (c) => c.notNull())
    .addColumn('at', d.bigint, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .execute();
  await db.schema.createIndex('heartbeats_by_check').on('heartbeats').columns(['check_name', 'at']).execute();
}

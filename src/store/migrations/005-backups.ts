import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * The backup catalogue: every run (good or failed) and every verification.
 * The repository holds the artifacts and their manifests; these tables hold
 * what happened to them, for listing, retention, metrics and the runbook.
 */
export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  await db.schema
    .createTable('backups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    /** ok | failed | pruned */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', d.bigint, (c) => c.notNull())
    .addColumn('ended_at', d.bigint, (c) => c.notNull())
    .addColumn('size', d.bigint)
    .addColumn('sha256', 'text')
    .addColumn('location', 'text')
    /** the manifest as written beside the artifact (JSON) */
    .addColumn('manifest', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('backups_by_job').on('backups').columns(['job', 'started_at']).execute();
  await db.schema
    .createTable('backup_verifications')
    .addColumn('id', d.bigint, (col: any) =>
      d.name === 'postgres'
        ? col.generatedByDefaultAsIdentity().primaryKey()
        : col.primaryKey().autoIncrement(),
    )
    .addColumn('backup_id', 'text', (c) => c.notNull())
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('at', d.bigint, (c) => c.notNull())
    .addColumn('duration_ms', d.bigint, (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    /** where a restore test restored to, password removed */
    .addColumn('target', 'text')
    .execute();
  await db.schema
    .createIndex('backup_verifications_by_backup')
    .on('backup_verifications')
    .columns(['backup_id', 'at'])
    .execute();
}

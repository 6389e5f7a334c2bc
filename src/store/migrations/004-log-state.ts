import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * What a check or a log rotation must remember across restarts: a log check's
 * offsets and counters, a rotation's last run. One JSON value per owner and key,
 * owned and validated by the code that writes it.
 */
export async function up(db: Kysely<any>, d: StoreDialect): Promise<void> {
  await db.schema
    .createTable('check_state')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', d.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('check_state_pk', ['owner', 'key'])
    .execute();
}

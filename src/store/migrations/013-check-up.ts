import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * Whether a run reached its target, beside its status: a host at 97% CPU is
 * critical but answered, so it reads "Critical" rather than "Down" and counts as
 * available. 1 or 0; null on rows written before, read as "up when ok or warning".
 */
export async function up(db: Kysely<any>, _d: StoreDialect): Promise<void> {
  await db.schema.alterTable('checks').addColumn('last_up', 'integer').execute();
  await db.schema.alterTable('check_results').addColumn('up', 'integer').execute();
}

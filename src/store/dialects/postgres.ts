import { type DialectAdapter, type Kysely, PostgresAdapter, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { StoreDialect } from './capabilities.js';

const int8 = 20;
const numeric = 1700;

export function postgresDialect(url: string): StoreDialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5000,
    // Millisecond timestamps are bigint; they fit a JS number exactly until the year 287396.
    // Set per pool rather than on pg.types, which would change every pg user in the process.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === int8 || oid === numeric
          ? Number
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not crash the daemon; the next query reports it.
  pool.on('error', () => {});
  return {
    name: 'postgres',
    kysely: new MigrationSafePostgresDialect({ pool }),
    bigint: 'bigint',
    double: 'double precision',
    greatest: 'greatest',
    clusteredTables: false,
    keepsStatements: false,
    maxParams: 65_000,
    async close() {},
  };
}

/**
 * The key of the migration lock: Kysely's own, so a node of an earlier release, which takes
 * Kysely's session-level lock on it, and a node of this one still exclude each other.
 */
const migrationLockKey = 3_853_314_791_062_309_107n;

/**
 * Kysely's PostgreSQL adapter with the migration lock taken for the migration's transaction only.
 *
 * Kysely 0.28 takes a session-level advisory lock (`pg_advisory_lock`) and unlocks it at the end of
 * the transaction migrations run in. A session-level lock outlives a rolled-back transaction, and
 * behind a pooler in transaction mode (PgBouncer) the session is a server connection shared by
 * every client: a lock left behind by a migration transaction that failed, or an unlock that never
 * ran, stays with that pooled connection, and every later start of every node waits on it for the
 * hour of Kysely's lock_timeout (seen once in the cluster test through PgBouncer: a node silent in
 * its start-up, one session waiting on a lock while every other session sat idle).
 * `pg_advisory_xact_lock` ends with the transaction whatever happens, and migrations always run
 * in one transaction on PostgreSQL.
 */
class MigrationSafeAdapter extends PostgresAdapter {
  override async acquireMigrationLock(db: Kysely<any>): Promise<void> {
    // lock_timeout for this transaction only: another node's migration may take a while, but not
    // forever.
    await sql`select set_config('lock_timeout', '600000', true)`.execute(db);
    await sql`select pg_advisory_xact_lock(${sql.lit(migrationLockKey)})`.execute(db);
  }

  override async releaseMigrationLock(): Promise<void> {
    // released by the transaction's commit or rollback
  }
}

class MigrationSafePostgresDialect extends PostgresDialect {
  override createAdapter(): DialectAdapter {
    return new MigrationSafeAdapter();
  }
}

import { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDialect } from '../../src/store/dialects/postgres.js';
import { openStore } from '../../src/store/store.js';
import { advisoryWaiters, testDatabases } from './databases.js';

/**
 * Migrations on PostgreSQL hold their lock for their transaction only. A session-level lock (what
 * Kysely takes) outlives a failed migration transaction, and behind PgBouncer in transaction mode
 * that session is a pooled server connection: every later start of every node would wait on it.
 */
const postgres = testDatabases.find((d) => d.name === 'postgres');

describe.skipIf(!postgres)('the PostgreSQL migration lock', () => {
  let database: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    database = await postgres!.create();
  });
  afterAll(async () => {
    await database?.drop();
  });

  const advisoryLocks = async (client: pg.Client) =>
    (
      await client.query(
        "select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
      )
    ).rows[0].n as number;

  it('is gone when the migration transaction fails, on the very connection that took it', async () => {
    const dialect = postgresDialect(database.url);
    const db = new Kysely<any>({ dialect: dialect.kysely });
    const adapter = dialect.kysely.createAdapter();
    const observer = new pg.Client({ connectionString: database.url });
    await observer.connect();
    try {
      await expect(
        db.connection().execute((c) =>
          c.transaction().execute(async (trx) => {
            await adapter.acquireMigrationLock(trx, {
              lockTable: 'kysely_migration_lock',
              lockRowId: 'migration_lock',
              lockTableSchema: undefined,
            });
            expect(await advisoryLocks(observer)).toBe(1);
            throw new Error('a migration failed');
          }),
        ),
      ).rejects.toThrow('a migration failed');
      // The pool keeps the connection that took the lock, as PgBouncer keeps its server connection.
      expect(await advisoryLocks(observer)).toBe(0);
    } finally {
      await observer.end();
      await db.destroy();
    }
  });

  it("makes a node wait for another's migration, and open once it is done", async () => {
    const other = new pg.Client({ connectionString: database.url });
    const observer = new pg.Client({ connectionString: database.url });
    await Promise.all([other.connect(), observer.connect()]);
    try {
      await other.query('begin');
      // Kysely's key, which a node of an earlier release locks at session level: the same key here
      await other.query('select pg_advisory_xact_lock(3853314791062309107)');
      let opened = false;
      const opening = openStore(database.url).then((s) => {
        opened = true;
        return s;
      });
      await expect.poll(() => advisoryWaiters(observer), { timeout: 20_000, interval: 20 }).toBe(1);
      expect(opened).toBe(false);
      await other.query('commit');
      const store = await opening;
      await store.close();
      expect(await advisoryLocks(observer)).toBe(0);
    } finally {
      await Promise.all([other.end(), observer.end()]);
    }
  });
});

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteAdapter, SqliteDialect } from 'kysely';
import { VigilError } from '../../errors.js';
import type { StoreDialect } from './capabilities.js';
import { sqliteBulkWriter } from './sqlite-bulk.js';

/**
 * Every database handle this process opened, kept reachable for the life of the process, with
 * its statements (better-sqlite3 keeps a handle's prepared statements reachable from it, including
 * those `db.transaction()` prepares). With better-sqlite3 12 on Node 24, a statement that the
 * garbage collector destroys while Node tears down (a worker or the process exiting) aborts the
 * process (`RemoveEnvironmentCleanupHook: Assertion (env) != nullptr`); objects that are never
 * garbage are never destroyed that way. A closed handle costs a few small objects; a daemon opens
 * one, a test run a few hundred.
 */
const retained: unknown[] = [];

/**
 * SQLite runs DDL inside transactions, and Vigil's migrations need it to: all pending migrations
 * then run in one (immediate) transaction, so a crash leaves none half-applied, and two processes
 * opening a new file at once (`vigil up` and `vigil token create`) migrate one after the other
 * instead of both creating the same tables. Kysely's SQLite adapter says no only because some
 * SQLite statements (VACUUM) cannot; no migration of Vigil's uses them.
 */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class TransactionalSqliteDialect extends SqliteDialect {
  override createAdapter(): SqliteAdapter {
    return new TransactionalSqliteAdapter();
  }
}

export function sqliteDialect(file: string): StoreDialect {
  let db: Database.Database;
  let statements: ReturnType<typeof reusingStatements>;
  try {
    const dir = path.dirname(path.resolve(file));
    // One level only: Node's recursive mkdir spins forever under /proc (seen on Node 20).
    if (file !== ':memory:' && !existsSync(dir)) mkdirSync(dir);
    db = new Database(file);
    statements = reusingStatements(db);
    retained.push(db, statements);
    // Through the kept statements, not db.pragma(), whose statements the garbage collector would finalize.
    // busy_timeout first: switching a new file to WAL while another process migrates it waits
    // for that process instead of failing at once with "database is locked".
    for (const pragma of [
      'busy_timeout = 5000',
      'journal_mode = WAL',
      'synchronous = NORMAL',
      'foreign_keys = ON',
    ]) {
      const stmt = statements.prepare(`pragma ${pragma}`);
      if (stmt.reader) stmt.all();
      else stmt.run();
    }
  } catch (e) {
    throw new VigilError(
      'STORE_NOT_WRITABLE',
      `cannot open SQLite database ${file}: ${(e as Error).message}`,
      {
        hint: 'check that the directory exists and is writable, or set storage: in vigil.yaml',
        cause: e,
      },
    );
  }
  let bulk: ReturnType<typeof sqliteBulkWriter> | undefined;
  return {
    name: 'sqlite',
    kysely: new TransactionalSqliteDialect({ database: statements }),
    bigint: 'integer',
    double: 'real',
    greatest: 'max',
    clusteredTables: true,
    maxParams: 32_000,
    bulkRecord(batch, extra) {
      // Prepared after migrations have created the tables, on first use.
      if (!bulk) {
        bulk = sqliteBulkWriter(db);
        retained.push(bulk);
      }
      bulk.record(batch, extra);
    },
    async close() {
      // Kysely's destroy closes the handle; this is for a store that never built one.
      if (db.open) db.close();
    },
  };
}

/**
 * Give the query builder one prepared statement per SQL text, kept for the
 * life of the connection. Besides saving a prepare per query, this keeps
 * statements from being garbage collected: with better-sqlite3 12 on Node 24,
 * a statement finalized by the garbage collector can abort the process
 * (`RemoveEnvironmentCleanupHook: Assertion (env) != nullptr`). The number of
 * distinct SQL texts is bounded by the queries Vigil builds.
 */
function reusingStatements(db: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      // Every transaction Vigil opens writes, so it takes the write lock when it begins: a deferred
      // one that writes after reading cannot wait for another process's write lock (SQLite answers
      // SQLITE_BUSY at once), while BEGIN IMMEDIATE waits for it within busy_timeout.
      if (sql === 'begin') sql = 'begin immediate';
      let stmt = statements.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        statements.set(sql, stmt);
      }
      return stmt;
    },
  };
}

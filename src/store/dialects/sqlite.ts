import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type Driver, SqliteAdapter, SqliteDialect, type SqliteDialectConfig } from 'kysely';
import type { CheckResult } from '../../checks/types.js';
import { VigilError } from '../../errors.js';
import type { TimedSample } from '../samples.js';
import type { StoreDialect } from './capabilities.js';
import { sqliteBulkWriter } from './sqlite-bulk.js';
import { busy, lockWaitMs, PatientSqliteDriver, whenUnlocked } from './sqlite-patient.js';
import type { WriteAnswer, WriteRequest } from './sqlite-writer.js';

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
  readonly #config: SqliteDialectConfig;
  readonly #inTransaction: () => boolean;

  constructor(config: SqliteDialectConfig, inTransaction: () => boolean) {
    super(config);
    this.#config = config;
    this.#inTransaction = inTransaction;
  }

  override createAdapter(): SqliteAdapter {
    return new TransactionalSqliteAdapter();
  }

  override createDriver(): Driver {
    return new PatientSqliteDriver(this.#config, this.#inTransaction);
  }
}

export async function sqliteDialect(file: string): Promise<StoreDialect> {
  let db: Database.Database;
  let statements: ReturnType<typeof reusingStatements>;
  try {
    const dir = path.dirname(path.resolve(file));
    // One level only: Node's recursive mkdir spins forever under /proc (seen on Node 20).
    if (file !== ':memory:' && !existsSync(dir)) mkdirSync(dir);
    db = new Database(file);
    statements = reusingStatements(db);
    retained.push(db, statements);
    // Through the kept statements, not db.pragma(), whose statements the garbage collector would
    // finalize. busy_timeout stays 0: a statement that meets another connection's lock fails at
    // once and is tried again on a timer (sqlite-patient.ts), so the main thread never sleeps in
    // SQLite. That matters here too: switching a new file to WAL while another process opens it
    // can fail with SQLITE_BUSY at once, without SQLite's busy handler ever being asked (its
    // deadlock rule: two connections each holding a shared lock and wanting to write), which
    // failed one of 240 processes opening new stores four at a time on a loaded machine.
    const d = db;
    for (const pragma of [
      'busy_timeout = 0',
      'journal_mode = WAL',
      'synchronous = NORMAL',
      'foreign_keys = ON',
    ]) {
      // Preparing reads the schema, which can meet the lock too.
      await whenUnlocked(
        () => {
          const stmt = statements.prepare(`pragma ${pragma}`);
          return stmt.reader ? stmt.all() : stmt.run();
        },
        () => d.inTransaction,
      );
    }
  } catch (e) {
    throw new VigilError(
      'STORE_NOT_WRITABLE',
      `cannot open SQLite database ${file}: ${(e as Error).message}`,
      {
        hint: busy(e)
          ? `another process held the database's lock for more than ${lockWaitMs / 1000} s (a migration or a long write); try again`
          : 'check that the directory exists and is writable, or set storage: in vigil.yaml',
        cause: e,
      },
    );
  }
  let bulk: ReturnType<typeof sqliteBulkWriter> | undefined;
  let writer: SqliteWriterThread | undefined;
  return {
    name: 'sqlite',
    kysely: new TransactionalSqliteDialect({ database: statements }, () => db.inTransaction),
    bigint: 'integer',
    double: 'real',
    greatest: 'max',
    clusteredTables: true,
    keepsStatements: true,
    maxParams: 32_000,
    bulkRecord(batch, extra) {
      // A file's results are written on a thread of their own (see SqliteWriterThread). Run from
      // TypeScript sources (the tests) there is no compiled worker file: written here instead.
      if (file !== ':memory:' && !import.meta.url.endsWith('.ts')) {
        // A thread that failed (it could not open the file, say) is replaced at the next batch.
        if (!writer || writer.failed) writer = new SqliteWriterThread(path.resolve(file));
        return writer.record(batch, extra);
      }
      // Prepared after migrations have created the tables, on first use.
      if (!bulk) {
        bulk = sqliteBulkWriter(db);
        retained.push(bulk);
      }
      const b = bulk;
      return whenUnlocked(
        () => b.record(batch, extra),
        () => db.inTransaction,
      );
    },
    async close() {
      await writer?.close();
      // Kysely's destroy closes the handle; this is for a store that never built one.
      if (db.open) db.close();
    },
  };
}

/**
 * Writes check results into a SQLite file on a worker thread with its own connection. At 1,000
 * probes/s a batch of a quarter second (~300 results, ~3,000 samples) took 40–85 ms of
 * synchronous SQLite work, about a quarter of the main thread: every due check and every HTTP
 * request waited behind it. On its own thread the write overlaps everything else; WAL lets the
 * main connection read meanwhile, and its own writes wait for at most one batch's transaction,
 * on a timer (sqlite-patient.ts). Batches are answered in the order sent, each after its commit.
 */
class SqliteWriterThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #next = 0;
  #failed: Error | undefined;

  constructor(file: string) {
    this.#worker = new Worker(new URL('./sqlite-writer.js', import.meta.url), { workerData: { file } });
    // Only writes under way keep the process alive: a one-shot command exits when it is done.
    this.#worker.unref();
    this.#worker.on('message', (a: WriteAnswer) => {
      const w = this.#waiting.get(a.id);
      if (!w) return;
      this.#waiting.delete(a.id);
      if (!this.#waiting.size) this.#worker.unref();
      if (a.ok) w.resolve();
      else w.reject(Object.assign(new Error(a.error.message), { name: a.error.name, code: a.error.code }));
    });
    const fail = (e: Error) => {
      this.#failed = e;
      for (const w of this.#waiting.values()) w.reject(e);
      this.#waiting.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (code ${code})`)));
  }

  get failed(): boolean {
    return this.#failed !== undefined;
  }

  record(batch: readonly CheckResult[], extra: readonly TimedSample[]): Promise<void> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ id, batch, extra } satisfies WriteRequest);
    });
  }

  /** After the batches already sent are written. */
  async close(): Promise<void> {
    if (this.#failed) return;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.ref();
    this.#worker.postMessage('close');
    await exited;
  }
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
      // SQLITE_BUSY at once), while BEGIN IMMEDIATE is tried again until it gets it (sqlite-patient.ts).
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

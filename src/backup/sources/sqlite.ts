import { copyFile, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { BackupFailed, fsyncPath } from '../pipeline.js';
import type { BackupSource } from '../types.js';
import { truthy } from './postgres.js';

/**
 * Every statement stays reachable for the life of the process. With better-sqlite3 12 on Node 24,
 * a statement the garbage collector destroys while Node tears down (a worker or the process
 * exiting) aborts it (`RemoveEnvironmentCleanupHook: Assertion (env) != nullptr`); statements
 * that are never garbage are never destroyed that way. The store keeps its statements for the
 * same reason (store/dialects/sqlite.ts). A few small objects per verification run.
 */
/** The driver, required by the first use: the config schema lists this source for every command. */
let driver: typeof Database | undefined;
const sqlite = (): typeof Database =>
  (driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database);

const held: Database.Statement[] = [];
function prepare(db: Database.Database, sql: string): Database.Statement {
  const stmt = db.prepare(sql);
  held.push(stmt);
  return stmt;
}

export interface SqliteSpec {
  path: string;
  /** give up when another connection's writes restart the copy this many times */
  max_restarts: number;
}

const artifact = 'db.sqlite';

/**
 * SQLite through its online backup API, never a file copy (a copy taken during
 * a write is torn). A write from another connection restarts the backup; on a
 * database that never pauses it would restart forever, so restarts are counted.
 */
export const sqliteSource: BackupSource<SqliteSpec> = {
  schema: z.strictObject({
    path: z.string().min(1),
    max_restarts: z.number().int().min(0).default(20),
  }),
  tablesExist: "select count(*) > 0 from sqlite_master where type = 'table'",
  describe: (s) => s.path,

  async dump(spec, ctx) {
    await stat(spec.path).catch((e) => {
      throw new BackupFailed(`cannot read the SQLite database ${spec.path}: ${(e as Error).message}`);
    });
    const db = new (sqlite())(spec.path, { readonly: true, fileMustExist: true });
    const out = path.join(ctx.dir, artifact);
    let restarts = 0;
    let lastRemaining = Number.POSITIVE_INFINITY;
    try {
      await db.backup(out, {
        progress({ totalPages, remainingPages }) {
          if (ctx.signal.aborted) throw new BackupFailed('the run was cancelled');
          if (remainingPages > lastRemaining) {
            restarts++;
            if (restarts > spec.max_restarts) {
              throw new BackupFailed(
                `the backup restarted ${restarts} times: the database is written to without pause`,
                'schedule the backup at a quieter time, or raise sqlite.max_restarts',
              );
            }
          }
          lastRemaining = remainingPages;
          ctx.onProgress?.((totalPages - remainingPages) * 4096);
          return 100;
        },
      });
    } catch (e) {
      if (e instanceof BackupFailed) throw e;
      throw new BackupFailed(`the SQLite backup failed: ${(e as Error).message}`, undefined, e);
    } finally {
      db.close();
    }
    await fsyncPath(out);
    return { tools: { sqlite: `SQLite ${sqliteVersion()}` }, facts: { restarts } };
  },

  async read(_spec, dir) {
    return integrity(path.join(dir, artifact));
  },

  async restore(_spec, dir, to) {
    const tmp = `${to}.vigil-restore-${process.pid}`;
    await copyFile(path.join(dir, artifact), tmp);
    await fsyncPath(tmp);
    // Any journal of the old database belongs to the old database.
    await rm(`${to}-wal`, { force: true });
    await rm(`${to}-shm`, { force: true });
    await rename(tmp, to);
  },

  async scratch(spec, opts) {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-restore-'));
    const target = path.join(dir, path.basename(spec.path) || 'restored.db');
    let db: Database.Database | undefined;
    return {
      target,
      label: target,
      async assert(check) {
        db ??= new (sqlite())(target, { readonly: true, fileMustExist: true });
        return truthy(prepare(db, check).pluck().get());
      },
      async drop() {
        db?.close();
        await rm(dir, { recursive: true, force: true });
        void opts;
      },
    };
  },

  manualSteps(spec, dir) {
    return [
      `# stop the application, then:`,
      `cp ${dir}/${artifact} ${spec.path}.restore && mv ${spec.path}.restore ${spec.path} && rm -f ${spec.path}-wal ${spec.path}-shm`,
    ];
  },

  async existing(_spec, to) {
    try {
      await stat(to);
    } catch {
      return undefined;
    }
    const db = new (sqlite())(to, { readonly: true });
    try {
      const n = prepare(db, "select count(*) from sqlite_master where type = 'table'")
        .pluck()
        .get() as number;
      return `${to} (${n} tables)`;
    } finally {
      db.close();
    }
  },
};

/** PRAGMA integrity_check answers exactly one row "ok" for a sound database, else lists problems. */
function integrity(file: string): string {
  let db: Database.Database;
  try {
    db = new (sqlite())(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new BackupFailed(`cannot open the backup ${file}: ${(e as Error).message}`);
  }
  try {
    const rows = prepare(db, 'pragma integrity_check').pluck().all() as string[];
    if (rows.length !== 1 || rows[0] !== 'ok') {
      throw new BackupFailed(`integrity_check: ${rows.slice(0, 3).join('; ')}`);
    }
    return 'integrity_check: ok';
  } catch (e) {
    if (e instanceof BackupFailed) throw e;
    throw new BackupFailed(`integrity_check failed: ${(e as Error).message}`);
  } finally {
    db.close();
  }
}

function sqliteVersion(): string {
  const db = new (sqlite())(':memory:');
  try {
    return prepare(db, 'select sqlite_version()').pluck().get() as string;
  } finally {
    db.close();
  }
}

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
  /** accepted for configs written for earlier releases; a snapshot no longer restarts */
  max_restarts?: number;
}

const artifact = 'db.sqlite';

/**
 * SQLite as one consistent snapshot, `VACUUM INTO` inside a single read transaction, never a file
 * copy (a copy taken during a write is torn). The online backup API copied in steps and started
 * over whenever another connection wrote between two steps: on Vigil's own store at 1,000 probes/s
 * (150 MB, written four times a second) it restarted 21 times in 2 s and gave up, every time. With
 * WAL, writers go on during the snapshot; without it they wait for the copy to end. The copy is
 * compact (free pages are left out) and runs on a worker thread.
 */
export const sqliteSource: BackupSource<SqliteSpec> = {
  schema: z.strictObject({
    path: z.string().min(1),
    max_restarts: z.number().int().min(0).optional(),
  }),
  tablesExist: "select count(*) > 0 from sqlite_master where type = 'table'",
  describe: (s) => s.path,

  async dump(spec, ctx) {
    await stat(spec.path).catch((e) => {
      throw new BackupFailed(`cannot read the SQLite database ${spec.path}: ${(e as Error).message}`);
    });
    const out = path.join(ctx.dir, artifact);
    try {
      await snapshot(path.resolve(spec.path), out, ctx.signal);
    } catch (e) {
      if (e instanceof BackupFailed) throw e;
      throw new BackupFailed(`the SQLite backup failed: ${(e as Error).message}`, undefined, e);
    }
    ctx.onProgress?.((await stat(out)).size);
    await fsyncPath(out);
    return { tools: { sqlite: `SQLite ${sqliteVersion()}` }, facts: { snapshot: 'vacuum into' } };
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

/**
 * `VACUUM INTO` on a worker thread. Run from TypeScript sources (the tests) there is no compiled
 * worker file, so the copy is made here instead.
 */
async function snapshot(from: string, to: string, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new BackupFailed('the run was cancelled');
  if (import.meta.url.endsWith('.ts')) {
    const db = new (sqlite())(from, { readonly: true, fileMustExist: true });
    try {
      prepare(db, 'pragma busy_timeout = 10000').get();
      prepare(db, 'vacuum into ?').run(to);
    } finally {
      db.close();
    }
    return;
  }
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(new URL('./sqlite-snapshot.js', import.meta.url), { workerData: { from, to } });
  await new Promise<void>((resolve, reject) => {
    let answer: { ok: boolean; message?: string } | undefined;
    const cancel = () => {
      reject(new BackupFailed('the run was cancelled'));
      void worker.terminate();
    };
    signal.addEventListener('abort', cancel, { once: true });
    worker.on('message', (m: { ok: boolean; message?: string }) => {
      answer = m;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      signal.removeEventListener('abort', cancel);
      if (answer?.ok) resolve();
      else reject(new Error(answer?.message ?? `the copy's thread exited with code ${code}`));
    });
  });
}

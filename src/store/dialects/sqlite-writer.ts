import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckResult } from '../../checks/types.js';
import type { TimedSample } from '../samples.js';
import { sqliteBulkWriter } from './sqlite-bulk.js';

/**
 * The SQLite store's results writer, on its own thread with its own connection (see
 * SqliteWriterThread): each batch is one transaction, as on the main thread, and its answer is
 * sent only once that transaction has committed.
 */
export interface WriteRequest {
  id: number;
  batch: readonly CheckResult[];
  extra: readonly TimedSample[];
}

export type WriteAnswer = { id: number } & (
  | { ok: true }
  | { ok: false; error: { name: string; message: string; code?: string } }
);

const port = parentPort!;
const db = new Database((workerData as { file: string }).file);
// Statements stay reachable until the thread ends, and the handle is closed before it does: a
// statement finalized by the garbage collector while a thread tears down can abort the process
// (see sqlite.ts). Hence prepared pragmas, not db.pragma().
const kept = ['busy_timeout = 5000', 'synchronous = NORMAL', 'foreign_keys = ON'].map((p) =>
  db.prepare(`pragma ${p}`),
);
for (const stmt of kept) stmt.reader ? stmt.all() : stmt.run();
const bulk = sqliteBulkWriter(db);

port.on('message', (m: WriteRequest | 'close') => {
  if (m === 'close') {
    db.close();
    port.close();
    return;
  }
  let answer: WriteAnswer;
  try {
    bulk.record(m.batch, m.extra);
    answer = { id: m.id, ok: true };
  } catch (e) {
    const err = e as Error & { code?: string };
    answer = { id: m.id, ok: false, error: { name: err.name, message: err.message, code: err.code } };
  }
  port.postMessage(answer);
});

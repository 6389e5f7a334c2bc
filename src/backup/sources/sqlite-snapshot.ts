import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * Copies a SQLite database into a new file as one consistent snapshot (`VACUUM INTO`, one read
 * transaction), on a thread of its own: the copy is synchronous, and a daemon backing up its own
 * store of a few GB must not stop for it. See sqlite.ts.
 */
const { from, to } = workerData as { from: string; to: string };
const db = new Database(from, { readonly: true, fileMustExist: true });
// Reachable until the handle is closed: see the note in sqlite.ts. A writer's checkpoint can hold
// the database for a moment as the read begins: wait for it, as the store's connections do.
const wait = db.prepare('pragma busy_timeout = 10000');
const copy = db.prepare('vacuum into ?');
try {
  wait.get();
  copy.run(to);
  parentPort!.postMessage({ ok: true });
} catch (e) {
  parentPort!.postMessage({ ok: false, message: (e as Error).message });
} finally {
  db.close();
}

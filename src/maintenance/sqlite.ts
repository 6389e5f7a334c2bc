import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { runCommand, truncationMarker } from '../routines/run-command.js';
import type { TaskKind } from './types.js';

const schema = z
  .strictObject({
    /** the database file, relative to vigil.yaml */
    path: z.string().min(1),
    /** PRAGMA optimize */
    optimize: z.boolean().default(true),
    /** VACUUM: rewrites the file, needs free space of its size */
    vacuum: z.boolean().default(false),
    /** PRAGMA integrity_check: anything but "ok" fails the task */
    integrity_check: z.boolean().default(true),
  })
  .refine((s) => s.optimize || s.vacuum || s.integrity_check, {
    message: 'a sqlite task does nothing',
    params: { hint: 'set optimize, vacuum or integrity_check to true' },
  });
type Spec = z.output<typeof schema>;

const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');

// better-sqlite3 runs statements synchronously, so a VACUUM on this thread could
// not be stopped at its timeout: the work runs in a child process that is
// killed instead (SQLite's journal makes a killed VACUUM leave the file as it was).
const worker = `
try {
const Database = require(process.argv[1]);
const [file, ops] = [process.argv[2], JSON.parse(process.argv[3])];
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const out = [];
if (ops.integrity_check) {
  const rows = db.pragma('integrity_check').map((r) => r.integrity_check);
  if (rows.length !== 1 || rows[0] !== 'ok') { console.log(JSON.stringify({ error: 'integrity check failed: ' + rows.slice(0, 5).join('; ') })); process.exit(1); }
  out.push('integrity ok');
}
if (ops.optimize) { db.pragma('optimize'); out.push('optimized'); }
if (ops.vacuum) { db.exec('VACUUM'); out.push('vacuumed'); }
db.close();
console.log(JSON.stringify({ done: out }));
} catch (e) { console.log(JSON.stringify({ error: String(e && e.message || e) })); process.exit(1); }
`;

/** PRAGMA integrity_check, PRAGMA optimize and VACUUM on a SQLite file. */
export const sqlite: TaskKind<Spec> = {
  schema,
  target: (s) => s.path,
  async run(spec, ctx) {
    const file = path.resolve(ctx.baseDir, spec.path);
    const r = await runCommand([process.execPath, '-e', worker, betterSqlite, file, JSON.stringify(spec)], {
      timeoutMs: ctx.timeoutMs + 1000,
      maxBytes: 16 * 1024,
      signal: ctx.signal,
    });
    const last = r.output.trim().split('\n').at(-1) ?? '';
    let parsed: { done?: string[]; error?: string } = {};
    try {
      parsed = JSON.parse(last);
    } catch {}
    if (ctx.signal.aborted) throw new Error('cancelled: the task ran past its timeout');
    if (r.exitCode !== 0 || !parsed.done)
      throw new Error(
        parsed.error ??
          (r.output.trim().split('\n').slice(-3).join(' ') + truncationMarker(r.droppedBytes) ||
            `exit code ${r.exitCode}`),
      );
    return `${file}: ${parsed.done.join(', ')}`;
  },
};

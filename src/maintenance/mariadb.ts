import { z } from 'zod';
import { redactUrl } from '../checks/verdict.js';
import { checkAborted, quoteIdent, type TaskKind } from './types.js';

const ident = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, 'a table name, e.g. shop.orders');

const schema = z
  .strictObject({
    /** mysql://user:${DB_PASSWORD}@host:3306/db (mariadb:// is accepted too) */
    url: z.string().regex(/^(mysql|mariadb):\/\//, 'url must be a mysql:// or mariadb:// URL'),
    /** ANALYZE TABLE for these tables */
    analyze: z.array(ident).default([]),
    /** OPTIMIZE TABLE for these tables */
    optimize: z.array(ident).default([]),
    /** statements run as they are, in order */
    sql: z.array(z.string().min(1)).default([]),
  })
  .refine((s) => s.analyze.length || s.optimize.length || s.sql.length, {
    message: 'a mariadb task does nothing',
    params: { hint: 'give analyze: [table, …], optimize: [table, …] or sql: [statement, …]' },
  });
type Spec = z.output<typeof schema>;

/**
 * ANALYZE/OPTIMIZE TABLE and custom SQL on one connection. At the timeout the
 * running statement is stopped on the server with KILL QUERY from a second
 * connection. ANALYZE and OPTIMIZE report errors as result rows, not as
 * exceptions: those rows fail the task.
 */
export const mariadb: TaskKind<Spec> = {
  schema,
  target: (s) => redactUrl(s.url),
  async run(spec, ctx) {
    // Loaded by the first run, not with the config schema that lists every task kind.
    const { default: mysql } = await import('mysql2/promise');
    const uri = spec.url.replace(/^mariadb:/, 'mysql:');
    const conn = await mysql.createConnection({ uri, connectTimeout: Math.min(ctx.timeoutMs, 10_000) });
    conn.on('error', () => {});
    const threadId = conn.threadId;
    let cancelling: Promise<void> | undefined;
    const onAbort = () => {
      cancelling = (async () => {
        const admin = await mysql.createConnection({ uri, connectTimeout: 5000 });
        try {
          await admin.query(`KILL QUERY ${Number(threadId)}`);
        } finally {
          await admin.end().catch(() => {});
        }
      })().catch(() => {});
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const stmts = [
        ...(spec.analyze.length
          ? [`ANALYZE TABLE ${spec.analyze.map((t) => quoteIdent(t, '`')).join(', ')}`]
          : []),
        ...(spec.optimize.length
          ? [`OPTIMIZE TABLE ${spec.optimize.map((t) => quoteIdent(t, '`')).join(', ')}`]
          : []),
        ...spec.sql,
      ];
      for (const stmt of stmts) {
        checkAborted(ctx.signal);
        const [rows] = await conn.query(stmt);
        if (Array.isArray(rows)) {
          const errors = (rows as { Table?: string; Msg_type?: string; Msg_text?: string }[]).filter(
            (r) => r && typeof r === 'object' && String(r.Msg_type).toLowerCase() === 'error',
          );
          if (errors.length) throw new Error(errors.map((r) => `${r.Table}: ${r.Msg_text}`).join('; '));
        }
      }
      return `${stmts.length} statement${stmts.length === 1 ? '' : 's'}: ${stmts.map((s) => s.split(/\s+/).slice(0, 3).join(' ')).join('; ')}`;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await cancelling;
      await conn.end().catch(() => {});
    }
  },
};

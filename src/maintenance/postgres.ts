import { z } from 'zod';
import { redactUrl } from '../checks/verdict.js';
import { checkAborted, quoteIdent, type TaskKind } from './types.js';

const ident = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/,
    'a table or index name, e.g. public.orders',
  );

const schema = z
  .strictObject({
    /** postgres://user:${PGPASSWORD}@host/db */
    url: z.string().regex(/^postgres(ql)?:\/\//, 'url must be a postgres:// URL'),
    /** VACUUM (ANALYZE): true for the whole database, or these tables */
    vacuum_analyze: z.union([z.boolean(), z.array(ident).min(1)]).default(false),
    /** REINDEX INDEX CONCURRENTLY for each of these indexes */
    reindex: z.array(ident).default([]),
    /** statements run as they are, in order (cleanup queries) */
    sql: z.array(z.string().min(1)).default([]),
  })
  .refine((s) => s.vacuum_analyze !== false || s.reindex.length || s.sql.length, {
    message: 'a postgres task does nothing',
    params: { hint: 'give vacuum_analyze: true, reindex: [index, …] or sql: [statement, …]' },
  });
type Spec = z.output<typeof schema>;

export function postgresStatements(s: Spec): string[] {
  const out: string[] = [];
  if (s.vacuum_analyze === true) out.push('VACUUM (ANALYZE)');
  else if (Array.isArray(s.vacuum_analyze))
    for (const t of s.vacuum_analyze) out.push(`VACUUM (ANALYZE) ${quoteIdent(t, '"')}`);
  for (const i of s.reindex) out.push(`REINDEX INDEX CONCURRENTLY ${quoteIdent(i, '"')}`);
  out.push(...s.sql);
  return out;
}

/**
 * VACUUM (ANALYZE), REINDEX CONCURRENTLY and custom SQL on one connection. At
 * the timeout the running statement is cancelled on the server with
 * pg_cancel_backend from a second connection, so nothing keeps running there.
 */
export const postgres: TaskKind<Spec> = {
  schema,
  target: (s) => redactUrl(s.url),
  async run(spec, ctx) {
    // Loaded by the first run, not with the config schema that lists every task kind.
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      connectionString: spec.url,
      connectionTimeoutMillis: Math.min(ctx.timeoutMs, 10_000),
    });
    client.on('error', () => {});
    await client.connect();
    const cancel = async () => {
      const admin = new pg.Client({ connectionString: spec.url, connectionTimeoutMillis: 5000 });
      admin.on('error', () => {});
      try {
        await admin.connect();
        await admin.query('select pg_cancel_backend($1)', [pid]);
      } finally {
        await admin.end().catch(() => {});
      }
    };
    let pid = 0;
    let cancelling: Promise<void> | undefined;
    const onAbort = () => {
      cancelling = cancel().catch(() => {});
    };
    try {
      pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const done: string[] = [];
      for (const stmt of postgresStatements(spec)) {
        checkAborted(ctx.signal);
        await client.query(stmt);
        done.push(stmt.split(/\s+/).slice(0, 3).join(' '));
      }
      return `${done.length} statement${done.length === 1 ? '' : 's'}: ${done.join('; ')}`;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await cancelling;
      await client.end().catch(() => {});
    }
  },
};

import { performance } from 'node:perf_hooks';
import type mysql from 'mysql2/promise';
import { z } from 'zod';
import { duration } from '../config/types.js';
import { describe } from '../errors.js';
import type { CheckKind, Sample } from './types.js';
import { age, type Finding, ratio, redactUrl, scrub, verdict } from './verdict.js';

const limits = (d: { connections: number; replication_lag?: number }) =>
  z
    .strictObject({
      /** threads connected over max_connections, or an account's over its max_user_connections */
      connections: ratio.default(d.connections),
      /** Seconds_Behind_Master of a replica */
      replication_lag: duration().optional(),
      /** queries slower than long_query_time, per second, between two runs */
      slow_queries_per_second: z.number().min(0).optional(),
      /** InnoDB buffer pool reads served from memory; below this, the pool is too small */
      buffer_pool_hit_ratio: ratio.optional(),
    })
    .prefault({})
    .transform((l) => ({ ...l, replication_lag: l.replication_lag ?? d.replication_lag }));

const schema = z.strictObject({
  /** mysql://user:${DB_PASSWORD}@host:3306/db (mariadb:// is accepted too) */
  url: z.string().regex(/^(mysql|mariadb):\/\//, 'url must be a mysql:// or mariadb:// URL'),
  // No default for the buffer pool: a cold or idle server reads from disk and would warn for nothing.
  warn: limits({ connections: 0.8, replication_lag: 30_000 }),
  critical: limits({ connections: 0.95, replication_lag: 300_000 }),
});

export type MariadbSpec = z.output<typeof schema>;

/** Reads from disk below this many requests say nothing about the pool. */
const minPoolRequests = 1000;

export const mariadbCheck: CheckKind<MariadbSpec> = {
  schema,
  series: [
    'mariadb_connect_seconds',
    'mariadb_innodb_buffer_pool_hit_ratio',
    'mariadb_max_connections',
    'mariadb_max_used_connections',
    'mariadb_replica_io_running',
    'mariadb_replica_sql_running',
    'mariadb_replication_lag_seconds',
    'mariadb_slow_queries_per_second',
    'mariadb_slow_queries_total',
    'mariadb_threads_connected',
    'mariadb_threads_running',
    'mariadb_user_connections',
  ],
  target: (spec) => redactUrl(spec.url),
  async run(spec, ctx) {
    // The driver is loaded by the first run (before the clock starts, so it is not latency):
    // `vigil check` of other kinds never pays for it.
    const { default: driver } = await import('mysql2/promise');
    const started = performance.now();
    let conn: mysql.Connection | undefined;
    const onAbort = () => conn?.destroy();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      conn = await driver.createConnection({
        uri: spec.url.replace(/^mariadb:/, 'mysql:'),
        connectTimeout: ctx.timeoutMs,
      });
      // A fatal error with no query waiting is emitted as an event; unheard, it would end the daemon.
      conn.on('error', () => {});
      const latencyMs = performance.now() - started;
      const facts = await gather(conn);
      return {
        ...judge(spec, facts, latencyMs, ctx.now(), ctx.memo),
        durationMs: performance.now() - started,
        // It answered: a threshold crossed is critical, not down.
        up: true,
      };
    } catch (e) {
      const message = ctx.signal.aborted
        ? `timed out after ${ctx.timeoutMs}ms`
        : `${redactUrl(spec.url)}: ${scrub(describe(e), spec.url)}`;
      return { status: 'critical', message, durationMs: performance.now() - started };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await conn?.end().catch(() => conn?.destroy());
    }
  },
};

type Row = Record<string, unknown>;

interface Facts {
  status: Map<string, number>;
  maxConnections: number;
  maxUserConnections: number;
  users: { user: string; used: number; limit: number }[];
  replicas: Row[];
}

async function gather(conn: mysql.Connection): Promise<Facts> {
  const rows = async (sql: string) => (await conn.query(sql))[0] as Row[];
  const pairs = (rs: Row[]) =>
    new Map(rs.map((r) => [String(r.Variable_name), Number(r.Value)] as [string, number]));
  const status = pairs(
    await rows(
      `SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Threads_running', 'Max_used_connections',
       'Slow_queries', 'Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads', 'Uptime')`,
    ),
  );
  const vars = pairs(
    await rows(`SHOW GLOBAL VARIABLES WHERE Variable_name IN ('max_connections', 'max_user_connections')`),
  );
  const maxUserConnections = vars.get('max_user_connections') ?? 0;
  const used = await rows(
    'SELECT USER AS user, COUNT(*) AS n FROM information_schema.PROCESSLIST GROUP BY USER',
  );
  // Reading mysql.user needs a grant a monitoring account may lack: then only the global limit is known.
  const own = await rows(
    'SELECT User AS user, max_user_connections AS n FROM mysql.user WHERE max_user_connections > 0',
  ).catch(() => [] as Row[]);
  const ownLimit = new Map(own.map((r) => [String(r.user), Number(r.n)]));
  const users = used.flatMap((r) => {
    const user = String(r.user);
    const limit = ownLimit.get(user) ?? maxUserConnections;
    return limit > 0 ? [{ user, used: Number(r.n), limit }] : [];
  });
  // SHOW REPLICA STATUS from MariaDB 10.5 and MySQL 8.0.22; older servers know only SHOW SLAVE STATUS.
  // Without the grant to read it, replication is not judged (an empty list, as on a primary).
  const replicas = await rows('SHOW REPLICA STATUS')
    .catch(() => rows('SHOW SLAVE STATUS'))
    .catch(() => [] as Row[]);
  return { status, maxConnections: vars.get('max_connections') ?? 0, maxUserConnections, users, replicas };
}

function judge(spec: MariadbSpec, f: Facts, latencyMs: number, now: number, memo: Record<string, unknown>) {
  const findings: Finding[] = [];
  const add = (status: Finding['status'] | undefined, text: string, rank = 0) => {
    if (status) findings.push({ status, text, rank });
  };
  const above = (key: 'connections' | 'replication_lag' | 'slow_queries_per_second', v: number) =>
    spec.critical[key] !== undefined && v >= spec.critical[key]
      ? 'critical'
      : spec.warn[key] !== undefined && v >= spec.warn[key]
        ? 'warning'
        : undefined;
  const stat = (k: string) => f.status.get(k) ?? 0;
  const connected = stat('Threads_connected');
  const samples: Sample[] = [
    { name: 'mariadb_connect_seconds', value: latencyMs / 1000 },
    { name: 'mariadb_threads_connected', value: connected },
    { name: 'mariadb_threads_running', value: stat('Threads_running') },
    { name: 'mariadb_max_connections', value: f.maxConnections },
    { name: 'mariadb_max_used_connections', value: stat('Max_used_connections') },
    { name: 'mariadb_slow_queries_total', value: stat('Slow_queries') },
  ];
  const share = f.maxConnections ? connected / f.maxConnections : 0;
  add(above('connections', share), `${connected} of ${f.maxConnections} connections (${pct(share)})`, share);
  for (const u of f.users) {
    const r = u.used / u.limit;
    samples.push({ name: 'mariadb_user_connections', labels: { user: u.user }, value: u.used });
    add(
      above('connections', r),
      `user ${u.user} at ${u.used} of ${u.limit} connections (its max_user_connections)`,
      r,
    );
  }

  for (const r of f.replicas) {
    const name = String(r.Connection_name || r.Source_Host || r.Master_Host || 'primary');
    const io = String(r.Replica_IO_Running ?? r.Slave_IO_Running ?? '');
    const sql = String(r.Replica_SQL_Running ?? r.Slave_SQL_Running ?? '');
    const behind = r.Seconds_Behind_Source ?? r.Seconds_Behind_Master;
    const labels = { source: name };
    samples.push(
      { name: 'mariadb_replica_io_running', labels, value: io === 'Yes' ? 1 : 0 },
      { name: 'mariadb_replica_sql_running', labels, value: sql === 'Yes' ? 1 : 0 },
    );
    if (io !== 'Yes')
      add(
        'critical',
        `replication from ${name}: IO thread ${io || 'stopped'}${lastError(r.Last_IO_Error)}`,
        2,
      );
    if (sql !== 'Yes')
      add(
        'critical',
        `replication from ${name}: SQL thread ${sql || 'stopped'}${lastError(r.Last_SQL_Error)}`,
        2,
      );
    if (behind !== null && behind !== undefined) {
      const s = Number(behind);
      samples.push({ name: 'mariadb_replication_lag_seconds', labels, value: s });
      add(above('replication_lag', s * 1000), `replica ${age(s * 1000)} behind ${name}`, 1);
    }
  }

  // Rates need the previous run's counters; a counter that went down means the server restarted.
  const prev = memo['mariadb:counters'] as
    | { at: number; slow: number; requests: number; reads: number }
    | undefined;
  const counters = {
    at: now,
    slow: stat('Slow_queries'),
    requests: stat('Innodb_buffer_pool_read_requests'),
    reads: stat('Innodb_buffer_pool_reads'),
  };
  memo['mariadb:counters'] = counters;
  const restarted = !prev || counters.slow < prev.slow || counters.requests < prev.requests;
  if (!restarted && counters.at > prev.at) {
    const rate = (counters.slow - prev.slow) / ((counters.at - prev.at) / 1000);
    samples.push({ name: 'mariadb_slow_queries_per_second', value: rate });
    add(above('slow_queries_per_second', rate), `${rate.toFixed(2)} slow queries per second`);
  }
  const [requests, reads] = restarted
    ? [counters.requests, counters.reads]
    : [counters.requests - prev.requests, counters.reads - prev.reads];
  if (requests >= minPoolRequests) {
    const hit = 1 - reads / requests;
    samples.push({ name: 'mariadb_innodb_buffer_pool_hit_ratio', value: hit });
    const below = (limit: number | undefined) => limit !== undefined && hit < limit;
    const status = below(spec.critical.buffer_pool_hit_ratio)
      ? 'critical'
      : below(spec.warn.buffer_pool_hit_ratio)
        ? 'warning'
        : undefined;
    add(status, `InnoDB buffer pool hit ratio ${pct(hit)}`);
  }

  return {
    ...verdict(
      findings,
      `${connected}/${f.maxConnections} connections, ${stat('Threads_running')} running, ${Math.round(latencyMs)}ms`,
    ),
    samples,
  };
}

const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
const lastError = (e: unknown) => (e ? `: ${String(e)}` : '');

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { z } from 'zod';
import { duration } from '../config/types.js';
import { describe } from '../errors.js';
import type { CheckKind, Sample } from './types.js';
import { age, type Finding, ratio, redactUrl, scrub, verdict } from './verdict.js';

const limits = (d: { connections: number; transaction_age: number; query_age: number; lock_wait: number }) =>
  z
    .strictObject({
      /** client connections over max_connections, or over a role's or database's CONNECTION LIMIT */
      connections: ratio.default(d.connections),
      /** the oldest open transaction, idle in transaction included */
      transaction_age: duration().prefault(`${d.transaction_age}ms`),
      /** the longest-running active statement */
      query_age: duration().prefault(`${d.query_age}ms`),
      /** the longest a session has waited for a lock another holds */
      lock_wait: duration().prefault(`${d.lock_wait}ms`),
      replication_lag: duration().optional(),
      /** the share of dead tuples in a large table; past it, VACUUM is due */
      dead_tuples: ratio.optional(),
      /** connect plus a trivial query */
      latency: duration().optional(),
    })
    .prefault({});

const schema = z.strictObject({
  /** postgres://user:${PGPASSWORD}@host:5432/db: the password from the environment, never written here */
  url: z.string().regex(/^postgres(ql)?:\/\//, 'url must be a postgres:// URL'),
  /** databases whose sessions, sizes and locks are judged; default: every database on the server */
  databases: z.array(z.string().min(1)).min(1).optional(),
  /**
   * Name the statement of a long transaction, a long query or a lock holder in the
   * message (its first 80 characters). Off where statements carry literals that
   * must not reach a chat channel.
   */
  show_queries: z.boolean().default(true),
  /** tables with fewer live + dead tuples are too small for their dead-tuple share to matter */
  min_table_rows: z.number().int().min(0).default(10_000),
  warn: limits({
    connections: 0.8,
    transaction_age: 300_000,
    query_age: 60_000,
    lock_wait: 30_000,
  }).transform((l) => ({ replication_lag: 30_000, dead_tuples: 0.2, latency: 1000, ...defined(l) })),
  critical: limits({
    connections: 0.95,
    transaction_age: 3_600_000,
    query_age: 600_000,
    lock_wait: 300_000,
  }).transform((l) => ({ replication_lag: 300_000, latency: 5000, ...defined(l) })),
});

export type PostgresSpec = z.output<typeof schema>;
type Limits = PostgresSpec['warn'] & PostgresSpec['critical'];

export const postgresCheck: CheckKind<PostgresSpec> = {
  schema,
  series: [
    'pg_blocked_sessions',
    'pg_connect_seconds',
    'pg_connections',
    'pg_max_connections',
    'pg_role_connections',
    'pg_role_connection_limit',
    'pg_database_connections',
    'pg_database_connection_limit',
    'pg_database_size_bytes',
    'pg_longest_lock_wait_seconds',
    'pg_longest_query_seconds',
    'pg_longest_transaction_seconds',
    'pg_replication_lag_bytes',
    'pg_replication_lag_seconds',
    'pg_table_dead_tuple_ratio',
    'pg_table_dead_tuples',
    'pg_table_last_analyze_age_seconds',
    'pg_table_last_vacuum_age_seconds',
  ],
  target: (spec) => redactUrl(spec.url),
  async run(spec, ctx) {
    // The driver is loaded by the first run (before the clock starts, so it is not latency):
    // `vigil check` of other kinds never pays for it.
    const { default: driver } = await import('pg');
    const started = performance.now();
    const client = new driver.Client({
      connectionString: spec.url,
      connectionTimeoutMillis: ctx.timeoutMs,
      query_timeout: ctx.timeoutMs,
      application_name: 'vigil',
    });
    // pg swallows nothing after end(); an error event with no listener would crash the daemon.
    client.on('error', () => {});
    const onAbort = () => void client.end().catch(() => {});
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await client.connect();
      await client.query('select 1');
      const latencyMs = performance.now() - started;
      const facts = await gather(client, spec);
      // It answered: a threshold crossed is critical, not down.
      return { ...judge(spec, facts, latencyMs), durationMs: performance.now() - started, up: true };
    } catch (e) {
      const message = ctx.signal.aborted
        ? `timed out after ${ctx.timeoutMs}ms`
        : `${redactUrl(spec.url)}: ${scrub(describe(e), spec.url)}`;
      return { status: 'critical', message, durationMs: performance.now() - started };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await client.end().catch(() => {});
    }
  },
};

interface Session {
  pid: number;
  usename: string | null;
  datname: string | null;
  state: string | null;
  xact_age: number | null;
  query_age: number | null;
  wait_age: number | null;
  blockers: number[];
  query: string | null;
}

interface Facts {
  maxConnections: number;
  connections: number;
  limited: { kind: 'role' | 'database'; name: string; limit: number; used: number }[];
  sessions: Session[];
  replicas: { name: string; lag: number | null; bytes: number | null }[];
  /** set on a standby: seconds behind its primary */
  replayLag: number | null;
  sizes: { datname: string; bytes: number }[];
  tables: {
    name: string;
    live: number;
    dead: number;
    vacuum_age: number | null;
    analyze_age: number | null;
  }[];
}

async function gather(client: pg.Client, spec: PostgresSpec): Promise<Facts> {
  const scope = spec.databases ?? null;
  const q = async <T extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
    (await client.query<T>(text, values)).rows;
  const [server] = await q<{ max: number; recovery: boolean; version: number }>(
    `select current_setting('max_connections')::int as max, pg_is_in_recovery() as recovery,
            current_setting('server_version_num')::int as version`,
  );
  // pg_locks.waitstart (PostgreSQL 14+) says when a wait began; before it, the statement's start is the best guess.
  const waitStart =
    server!.version >= 140_000
      ? '(select min(l.waitstart) from pg_locks l where l.pid = a.pid and not l.granted)'
      : 'a.query_start';
  // One after another: a client runs one query at a time, and pg deprecates queueing them.
  const connections = await q<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity where backend_type = 'client backend'`,
  );
  const limited = await q<Facts['limited'][number]>(
    `select 'role' as kind, r.rolname as name, r.rolconnlimit as limit,
              (select count(*)::int from pg_stat_activity a where a.usename = r.rolname and a.backend_type = 'client backend') as used
         from pg_roles r where r.rolconnlimit >= 0 and r.rolcanlogin
          and ($1::text[] is null or exists (select 1 from pg_stat_activity a where a.usename = r.rolname and a.datname = any($1)))
       union all
       select 'database', d.datname, d.datconnlimit,
              (select count(*)::int from pg_stat_activity a where a.datname = d.datname and a.backend_type = 'client backend')
         from pg_database d where d.datconnlimit >= 0 and d.datallowconn and ($1::text[] is null or d.datname = any($1))`,
    // Scoped to some databases, a role's limit matters when the role works there.
    [scope],
  );
  const sessions = await q<Session>(
    `select a.pid, a.usename, a.datname, a.state,
              extract(epoch from now() - a.xact_start)::float8 as xact_age,
              extract(epoch from now() - a.query_start)::float8 as query_age,
              case when a.wait_event_type = 'Lock' then extract(epoch from now() - ${waitStart})::float8 end as wait_age,
              pg_blocking_pids(a.pid) as blockers,
              case when $2 then left(regexp_replace(a.query, '\\s+', ' ', 'g'), 80) end as query
         from pg_stat_activity a
        where a.backend_type = 'client backend' and a.pid <> pg_backend_pid()
          and ($1::text[] is null or a.datname = any($1))`,
    [scope, spec.show_queries],
  );
  const sizes = await q<{ datname: string; bytes: number }>(
    `select datname, pg_database_size(datname)::float8 as bytes from pg_database
        where datallowconn and has_database_privilege(datname, 'CONNECT')
          and ($1::text[] is null or datname = any($1))`,
    [scope],
  );
  const tables = await q<Facts['tables'][number]>(
    `select schemaname || '.' || relname as name, n_live_tup::float8 as live, n_dead_tup::float8 as dead,
              extract(epoch from now() - greatest(last_vacuum, last_autovacuum))::float8 as vacuum_age,
              extract(epoch from now() - greatest(last_analyze, last_autoanalyze))::float8 as analyze_age
         from pg_stat_user_tables where n_live_tup + n_dead_tup >= $1
        order by n_dead_tup desc limit 20`,
    [spec.min_table_rows],
  );
  let replicas: Facts['replicas'] = [];
  let replayLag: number | null = null;
  if (server!.recovery) {
    // With nothing new to replay the standby is caught up, however old the last transaction is.
    const [r] = await q<{ lag: number | null }>(
      `select case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
                   else extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 end as lag`,
    );
    replayLag = r?.lag ?? null;
  } else {
    replicas = await q<Facts['replicas'][number]>(
      `select coalesce(nullif(application_name, ''), client_addr::text, pid::text) as name,
              extract(epoch from replay_lag)::float8 as lag,
              pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 as bytes
         from pg_stat_replication`,
    );
  }
  return {
    maxConnections: server!.max,
    connections: connections[0]!.n,
    limited,
    sessions,
    replicas,
    replayLag,
    sizes,
    tables,
  };
}

function judge(spec: PostgresSpec, f: Facts, latencyMs: number) {
  const findings: Finding[] = [];
  const samples: Sample[] = [
    { name: 'pg_connect_seconds', value: latencyMs / 1000 },
    { name: 'pg_connections', value: f.connections },
    { name: 'pg_max_connections', value: f.maxConnections },
  ];
  /** which threshold a value crosses, critical first */
  const level = (key: keyof Limits, value: number | null): Finding['status'] | undefined => {
    if (value === null) return undefined;
    const crit = (spec.critical as Partial<Limits>)[key];
    const warn = (spec.warn as Partial<Limits>)[key];
    if (crit !== undefined && value >= crit) return 'critical';
    if (warn !== undefined && value >= warn) return 'warning';
    return undefined;
  };
  const add = (status: Finding['status'] | undefined, text: string, rank = 0) => {
    if (status) findings.push({ status, text, rank });
  };

  add(level('latency', latencyMs), `connect and query took ${Math.round(latencyMs)}ms`);
  const used = f.connections / f.maxConnections;
  add(level('connections', used), `${f.connections} of ${f.maxConnections} connections (${pct(used)})`, used);
  for (const l of f.limited) {
    const r = l.limit === 0 ? 1 : l.used / l.limit;
    samples.push({ name: `pg_${l.kind}_connections`, labels: { [l.kind]: l.name }, value: l.used });
    samples.push({ name: `pg_${l.kind}_connection_limit`, labels: { [l.kind]: l.name }, value: l.limit });
    add(
      level('connections', r),
      `${l.kind} ${l.name} at ${l.used} of ${l.limit} connections (its CONNECTION LIMIT)`,
      r,
    );
  }

  const byPid = new Map(f.sessions.map((s) => [s.pid, s]));
  const at = (s: Session) => `${s.usename ?? '?'}@${s.datname ?? '?'}`;
  const who = (s: Session) => `pid ${s.pid} (${at(s)})`;
  const doing = (s: Session) => (s.query ? `: ${s.query}` : '');
  const blocked = f.sessions.filter((s) => s.blockers.length > 0);
  const maxOf = (xs: (number | null)[]) => Math.max(0, ...xs.filter((x): x is number => x !== null));
  samples.push(
    { name: 'pg_longest_transaction_seconds', value: maxOf(f.sessions.map((s) => s.xact_age)) },
    {
      name: 'pg_longest_query_seconds',
      value: maxOf(f.sessions.filter((s) => s.state === 'active').map((s) => s.query_age)),
    },
    { name: 'pg_blocked_sessions', value: blocked.length },
    { name: 'pg_longest_lock_wait_seconds', value: maxOf(blocked.map((s) => s.wait_age ?? s.query_age)) },
  );
  for (const s of blocked) {
    const wait = (s.wait_age ?? s.query_age ?? 0) * 1000;
    const holder = byPid.get(s.blockers[0]!);
    const held = holder
      ? `pid ${holder.pid} (${at(holder)}, ${holder.state ?? 'unknown state'} ${age((holder.xact_age ?? 0) * 1000)}${doing(holder)})`
      : `pid ${s.blockers[0]}`;
    add(level('lock_wait', wait), `${who(s)} waiting ${age(wait)} on a lock held by ${held}`, wait);
  }
  for (const s of f.sessions) {
    if (s.xact_age !== null && s.blockers.length === 0) {
      const ms = s.xact_age * 1000;
      add(
        level('transaction_age', ms),
        `${who(s)} in a transaction for ${age(ms)} (${s.state ?? 'unknown state'})${doing(s)}`,
        ms,
      );
    }
    if (s.state === 'active' && s.query_age !== null && s.blockers.length === 0) {
      const ms = s.query_age * 1000;
      add(level('query_age', ms), `${who(s)} running one query for ${age(ms)}${doing(s)}`, ms);
    }
  }

  for (const r of f.replicas) {
    if (r.lag !== null)
      samples.push({ name: 'pg_replication_lag_seconds', labels: { replica: r.name }, value: r.lag });
    if (r.bytes !== null)
      samples.push({ name: 'pg_replication_lag_bytes', labels: { replica: r.name }, value: r.bytes });
    add(
      level('replication_lag', r.lag === null ? null : r.lag * 1000),
      `replica ${r.name} ${age((r.lag ?? 0) * 1000)} behind`,
    );
  }
  if (f.replayLag !== null) {
    samples.push({ name: 'pg_replication_lag_seconds', value: f.replayLag });
    add(
      level('replication_lag', f.replayLag * 1000),
      `this standby replays ${age(f.replayLag * 1000)} behind its primary`,
    );
  }

  for (const d of f.sizes)
    samples.push({ name: 'pg_database_size_bytes', labels: { database: d.datname }, value: d.bytes });
  for (const t of f.tables) {
    const share = t.dead / Math.max(1, t.live + t.dead);
    const labels = { table: t.name };
    samples.push(
      { name: 'pg_table_dead_tuples', labels, value: t.dead },
      { name: 'pg_table_dead_tuple_ratio', labels, value: share },
    );
    if (t.vacuum_age !== null)
      samples.push({ name: 'pg_table_last_vacuum_age_seconds', labels, value: t.vacuum_age });
    if (t.analyze_age !== null)
      samples.push({ name: 'pg_table_last_analyze_age_seconds', labels, value: t.analyze_age });
    const vacuumed = t.vacuum_age === null ? 'never vacuumed' : `last vacuum ${age(t.vacuum_age * 1000)} ago`;
    add(
      level('dead_tuples', share),
      `table ${t.name} ${pct(share)} dead tuples (${t.dead}), ${vacuumed}`,
      share,
    );
  }

  const size = f.sizes.reduce((n, d) => n + d.bytes, 0);
  return {
    ...verdict(
      findings,
      `${f.connections}/${f.maxConnections} connections, ${f.sessions.length} sessions, ${mib(size)} in ${f.sizes.length} database(s), ${Math.round(latencyMs)}ms`,
    ),
    samples,
  };
}

const pct = (r: number) => `${Math.round(r * 100)}%`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** zod leaves optional keys present but undefined; they must not hide the defaults spread before them. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

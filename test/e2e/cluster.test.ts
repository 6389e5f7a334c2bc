import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../store/databases.js';
import { type RunningVigil, startVigil } from './spawn.js';

/**
 * Three `vigil up` on one PostgreSQL, as a team runs them, while one of them
 * is killed with SIGKILL every few seconds and started again: every check
 * keeps running (no gap longer than 2 × its interval + the lease TTL, plus the
 * write buffer's quarter second), every notification of a flapping target is
 * delivered (none lost; a repeat only with the same idempotency key, and
 * counted), each due time of a backup runs once, and no lease ever had two
 * holders under one epoch. Then the same through PgBouncer.
 *
 * The long run (`npm run chaos:cluster`) sets VIGIL_TEST_CLUSTER_MS=300000,
 * VIGIL_TEST_KILL_EVERY_MS=30000 and VIGIL_TEST_PG_RESTART=1 (PostgreSQL is
 * restarted in the middle: not in `npm test`, where other files use it).
 */
const postgres = testDatabases.find((d) => d.name === 'postgres');
const pgbouncer = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => {
  try {
    execFileSync(p, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (!pgbouncer && process.env.CI === 'true') throw new Error('pgbouncer is required under CI=true');
if (!pgbouncer)
  console.warn('skipping the PgBouncer cluster test: pgbouncer is not installed (apt install pgbouncer)');

const ttlMs = 3000;
const everyMs = 1000;
const killEveryMs = Number(process.env.VIGIL_TEST_KILL_EVERY_MS ?? 8000);
const runMs = Number(process.env.VIGIL_TEST_CLUSTER_MS ?? 70_000);
const bouncerRunMs = Number(process.env.VIGIL_TEST_BOUNCER_MS ?? 30_000);
const restartAt = process.env.VIGIL_TEST_PG_RESTART === '1' ? runMs / 2 : undefined;
const bound = 2 * everyMs + ttlMs;
/** a start takes seconds, tens of seconds on a loaded machine; minutes is a node that hangs */
const startMs = 120_000;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** mulberry32: a seeded generator, so a failing run can be replayed */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `p`, or after `ms` an error that says what was awaited and what each node printed last: a node
 * that never comes up (or never stops) fails the test at once, with its story, not at the timeout.
 */
async function within<T>(p: Promise<T>, ms: number, what: string, nodes: RunningVigil[]): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const told = nodes
        .map(
          (n, i) =>
            `--- node ${i} (pid ${n.child.pid}, exit ${n.child.exitCode}):\n${n.output().slice(-3000)}`,
        )
        .join('\n');
      reject(new Error(`${what}: not within ${ms / 1000} s\n${told}`));
    }, ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** PgBouncer in transaction mode in front of the local PostgreSQL. */
async function startPgbouncer(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const home = path.join(dir, 'pgbouncer');
  mkdirSync(home, { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(home, 0o777);
  const port = await freePort();
  writeFileSync(path.join(home, 'users.txt'), '"postgres" ""\n');
  writeFileSync(
    path.join(home, 'pgbouncer.ini'),
    `[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${path.join(home, 'users.txt')}
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
logfile = ${path.join(home, 'pgbouncer.log')}
`,
  );
  // PgBouncer refuses to run as root: it drops to the postgres user when started as root.
  const asRoot = process.getuid?.() === 0;
  const child = spawn(pgbouncer!, [...(asRoot ? ['-u', 'postgres'] : []), path.join(home, 'pgbouncer.ini')], {
    stdio: 'ignore',
  });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'test',
      connectionTimeoutMillis: 2000,
    });
    try {
      await c.connect();
      await c.end();
      return { child, port };
    } catch {
      await wait(100);
    }
  }
  throw new Error('pgbouncer did not start');
}

/**
 * A PostgreSQL of the test's own (initdb in a temporary folder, its own port), so restarting it
 * in the middle of a run disturbs no other test.
 */
async function privatePostgres(dir: string): Promise<{ url: string; restart(): void; stop(): void }> {
  const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  const data = path.join(dir, 'pgdata');
  mkdirSync(data, { recursive: true });
  chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, {
      stdio: 'ignore',
    });
  if (asRoot) execFileSync('chown', ['-R', 'postgres', dir]);
  run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres']);
  const port = await freePort();
  const ctl = (action: string) =>
    run(path.join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-w',
      '-l',
      path.join(dir, 'pg.log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      action,
    ]);
  ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctl('restart'),
    stop: () => ctl('stop'),
  };
}

interface ChaosResult {
  nodes: number;
  kills: number;
  runMs: number;
  worstGapMs: number;
  /** how long PostgreSQL was restarting, when it was: no node can renew a lease meanwhile */
  postgresRestartMs: number;
  gapHistogram: Record<string, number>;
  notifications: number;
  deliveredTwice: number;
  reclaimed: number;
  backups: number;
  epochs: number;
}

/**
 * Runs `nodes` daemons on `url` for `runMs`, killing one every `killEveryMs`,
 * and checks what the issue asks; `direct` is where the test reads (PgBouncer's
 * URL is only for the daemons).
 */
async function chaos(opts: {
  url: string;
  direct?: string;
  nodes: number;
  runMs: number;
  killEveryMs: number;
  /** restart this PostgreSQL (one of the test's own) this long into the run */
  restartPostgresAt?: number;
  restartPostgres?: () => void;
}): Promise<ChaosResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-cluster-'));
  const servers: Server[] = [];
  let up = true;
  const target = createServer((req, res) => {
    res.writeHead(req.url === '/flap' && !up ? 503 : 200).end('ok');
  });
  servers.push(target);
  const targetPort = await listen(target);
  // The receiver: counts every delivery of every idempotency key.
  const received = new Map<string, number>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      received.set(key, (received.get(key) ?? 0) + 1);
      res.writeHead(200).end('ok');
    });
  });
  servers.push(receiver);
  const receiverPort = await listen(receiver);
  // A small SQLite file to back up every minute, into one repository all nodes share.
  const source = path.join(dir, 'app.db');
  const app = new Database(source);
  app.exec('create table t (x integer); insert into t values (1)');
  app.close();

  const checks = Array.from(
    { length: 6 },
    (_, i) => `  - name: c${i}\n    http: { url: "http://127.0.0.1:${targetPort}/ok" }\n    every: 1s\n`,
  ).join('');
  const config = path.join(dir, 'vigil.yaml');
  writeFileSync(
    config,
    `
storage: ${opts.url}
cluster: { lease_ttl: 3s, shards: 8 }
evaluation_interval: 1s
checks:
${checks}  - name: flap
    http: { url: "http://127.0.0.1:${targetPort}/flap" }
    every: 1s
alerts:
  - name: FlapDown
    condition: up{check="flap"} == 0
    severity: warning
notify:
  - name: hook
    webhook: { url: "http://127.0.0.1:${receiverPort}/hook" }
    group_by: [alertname]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 24h
notifications:
  retry: { initial: 100ms, max: 2s }
backups:
  repository: ${path.join(dir, 'backups')}
  jobs:
    - name: app
      sqlite: { path: ${source} }
      cron: "* * * * *"
      keep: { last: 100 }
`,
  );
  const env = { VIGIL_ADMIN_PASSWORD: 'cluster-test-password' };
  const nodes: RunningVigil[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    nodes.push(startVigil(config, env, children));
    await within(nodes[i]!.url, startMs, `node ${i} coming up`, nodes);
  }
  const client = () => {
    const c = new pg.Client({ connectionString: opts.direct ?? opts.url });
    // A database dropped under it (the suite's clean-up after a failure) is not a second failure.
    c.on('error', () => {});
    return c;
  };
  let db = client();
  await db.connect();
  try {
    const started = Date.now();
    const rand = random(7);
    let kills = 0;
    let nextKill = started + opts.killEveryMs;
    let nextFlip = started + 5000;
    let restarted = opts.restartPostgresAt === undefined;
    let outageMs = 0;
    while (Date.now() - started < opts.runMs) {
      await wait(250);
      const now = Date.now();
      if (now >= nextFlip) {
        up = !up;
        nextFlip = now + 5000;
      }
      if (!restarted && now - started >= opts.restartPostgresAt!) {
        restarted = true;
        await db.end();
        const t = Date.now();
        opts.restartPostgres!();
        outageMs = Date.now() - t;
        await wait(1000);
        db = client();
        await db.connect();
      }
      if (now >= nextKill && now - started < opts.runMs - 10_000) {
        const i = Math.floor(rand() * nodes.length);
        nodes[i]!.child.kill('SIGKILL');
        await within(nodes[i]!.exit, 30_000, `node ${i} exiting after SIGKILL`, nodes);
        kills++;
        await wait(1000);
        nodes[i] = startVigil(config, env, children);
        await within(nodes[i]!.url, startMs, `node ${i} coming up again`, nodes);
        nextKill = Date.now() + opts.killEveryMs;
      }
    }
    up = true;
    // A kill cycle is the interval plus a restart (a few seconds on a loaded machine).
    expect(kills).toBeGreaterThanOrEqual(Math.floor((opts.runMs - 10_000) / (opts.killEveryMs + 10_000)));

    // Every notification ends delivered: wait for the outbox to drain.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await db.query(
        "select count(*)::int as n from notifications where status = 'pending'",
      );
      if (rows[0].n === 0 || Date.now() > deadline) break;
      await wait(500);
    }
    const { rows: outbox } = await db.query('select idempotency_key, status, claims from notifications');
    expect(outbox.length).toBeGreaterThanOrEqual(1);
    const lost = outbox.filter((r) => r.status !== 'delivered' || !received.has(r.idempotency_key));
    expect(lost).toEqual([]);
    // A key delivered twice only where a claim was taken again after a claimer died mid-send.
    const duplicates = outbox.filter((r) => (received.get(r.idempotency_key) ?? 0) > 1);
    const reclaimed = outbox.filter((r) => r.claims > 1);
    for (const d of duplicates) expect(reclaimed.map((r) => r.idempotency_key)).toContain(d.idempotency_key);

    // Gaps between a check's results, over the whole run (after the first nodes settled).
    const { rows: results } = await db.query(
      'select check_name, started_at from check_results where started_at > $1 order by check_name, started_at',
      [started + 5000],
    );
    const gaps = new Map<string, number>();
    const histogram: Record<string, number> = {};
    for (let i = 1; i < results.length; i++) {
      const [a, b] = [results[i - 1], results[i]];
      if (a.check_name !== b.check_name) continue;
      const gap = Number(b.started_at) - Number(a.started_at);
      gaps.set(b.check_name, Math.max(gaps.get(b.check_name) ?? 0, gap));
      const bucket =
        gap <= 1500
          ? '≤1.5s'
          : gap <= 3000
            ? '≤3s'
            : gap <= bound
              ? `≤${bound / 1000}s`
              : `>${bound / 1000}s`;
      histogram[bucket] = (histogram[bucket] ?? 0) + 1;
    }
    expect(gaps.size).toBe(7);
    const worst = Math.max(...gaps.values());

    // Each due time of the backup ran once, on one node.
    const { rows: backups } = await db.query("select started_at from backups where job = 'app'");
    const minutes = backups.map((b) => Math.floor(Number(b.started_at) / 60_000));
    expect(new Set(minutes).size).toBe(minutes.length);
    if (opts.runMs >= 65_000) expect(backups.length).toBeGreaterThanOrEqual(1);

    // The epoch history: epochs grow by one at every change of holder, in time order, for every lease.
    const { rows: history } = await db.query(
      'select name, epoch, acquired_at from cluster_lease_history order by name, epoch',
    );
    for (let i = 1; i < history.length; i++) {
      const [a, b] = [history[i - 1], history[i]];
      if (a.name !== b.name) continue;
      expect(Number(b.epoch)).toBe(Number(a.epoch) + 1);
      expect(Number(b.acquired_at)).toBeGreaterThanOrEqual(Number(a.acquired_at));
    }
    const result: ChaosResult = {
      nodes: opts.nodes,
      kills,
      runMs: opts.runMs,
      worstGapMs: worst,
      postgresRestartMs: outageMs,
      gapHistogram: histogram,
      notifications: outbox.length,
      deliveredTwice: duplicates.length,
      reclaimed: reclaimed.length,
      backups: backups.length,
      epochs: history.length,
    };
    console.log(`cluster chaos: ${JSON.stringify(result)}`);
    // The bound, plus the write buffer's quarter second before a result is stored; while PostgreSQL
    // restarts no lease can be renewed, so checks wait for it as well. On a machine loaded past its
    // cores (three daemons, PostgreSQL and the rest of the suite on two) a taken-over slot can run one
    // slot late: 6.0 s was seen at load 5–8. Failover that waits for a second TTL, or never comes,
    // is still far outside. `npm run chaos:cluster` on a quiet machine reports the worst gap itself.
    const loaded = os.loadavg()[0]! > os.availableParallelism();
    expect(worst).toBeLessThanOrEqual(
      bound + 250 + (loaded ? everyMs : 0) + (outageMs ? outageMs + ttlMs : 0),
    );
    return result;
  } finally {
    await db.end().catch(() => {});
    for (const n of nodes) n.child.kill('SIGTERM');
    await within(Promise.all(nodes.map((n) => n.exit)), 60_000, 'nodes stopping on SIGTERM', nodes).catch(
      (e) => {
        for (const n of nodes) n.child.kill('SIGKILL');
        throw e;
      },
    );
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    if (!process.env.VIGIL_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!postgres)('several nodes on one PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  const report: Array<ChaosResult & { via: string }> = [];
  afterAll(async () => {
    await database?.drop();
    if (process.env.VIGIL_CHAOS_REPORT)
      writeFileSync(process.env.VIGIL_CHAOS_REPORT, `${JSON.stringify(report, null, 2)}\n`);
  });

  it(
    'SIGKILL of a node every few seconds: checks keep running, nothing lost, each backup once, one holder per epoch',
    async () => {
      if (restartAt !== undefined) {
        const own = await privatePostgres(mkdtempSync(path.join(os.tmpdir(), 'vigil-pg-')));
        try {
          const r = await chaos({
            url: own.url,
            nodes: 3,
            runMs,
            killEveryMs,
            restartPostgresAt: restartAt,
            restartPostgres: own.restart,
          });
          report.push({ via: 'PostgreSQL, restarted in the middle', ...r });
        } finally {
          own.stop();
        }
        return;
      }
      database = await postgres!.create();
      const r = await chaos({ url: database.url, nodes: 3, runMs, killEveryMs });
      report.push({ via: 'PostgreSQL', ...r });
    },
    runMs + 300_000,
  );

  it.skipIf(!pgbouncer)(
    'the same through PgBouncer in transaction mode: no session state is relied on',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bouncer-'));
      const bouncer = await startPgbouncer(dir);
      try {
        await database?.drop();
        database = await postgres!.create();
        const viaBouncer = new URL(database.url);
        viaBouncer.port = String(bouncer.port);
        const r = await chaos({
          url: viaBouncer.toString(),
          direct: database.url,
          nodes: 3,
          runMs: bouncerRunMs,
          killEveryMs,
        });
        report.push({ via: 'PgBouncer (transaction mode)', ...r });
      } catch (e) {
        // What the pooler and the server saw: waits for a server connection, logins refused.
        const log = (() => {
          try {
            return readFileSync(path.join(dir, 'pgbouncer', 'pgbouncer.log'), 'utf8').slice(-4000);
          } catch {
            return '(no log)';
          }
        })();
        const admin = new pg.Client({ connectionString: database?.url, connectionTimeoutMillis: 2000 });
        const sessions = await admin
          .connect()
          .then(() =>
            admin.query(
              // each session of the test's database: what it runs or waits on, and who blocks it
              'select pid, state, wait_event_type, wait_event, pg_blocking_pids(pid) as blocked_by, left(query, 160) as query from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
            ),
          )
          .then((r) => JSON.stringify(r.rows))
          .catch((err: Error) => `(pg_stat_activity: ${err.message})`)
          .finally(() => admin.end().catch(() => {}));
        throw new Error(`${(e as Error).message}\n--- pgbouncer.log:\n${log}\n--- sessions: ${sessions}`, {
          cause: e,
        });
      } finally {
        bouncer.child.kill('SIGTERM');
        rmSync(dir, { recursive: true, force: true });
      }
    },
    // Three daemons start and restart through the pooler while the rest of the suite runs beside it:
    // on a loaded machine each start can take tens of seconds.
    bouncerRunMs + 420_000,
  );
});

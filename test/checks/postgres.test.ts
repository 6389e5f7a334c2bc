import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresCheck } from '../../src/checks/postgres.js';
import { makeCtx } from './ctx.js';
import { freshPostgres, postgresAdminUrl, postgresUp, unique, until, withPath } from './servers.js';

const parse = (spec: Record<string, unknown>) => postgresCheck.schema.parse(spec);

describe.runIf(postgresUp)('postgres check, on the real server', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  const open: pg.Client[] = [];
  const connect = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => {});
    await c.connect();
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await freshPostgres();
    const c = await connect(db.url);
    await c.query('create table accounts (id int primary key, balance int)');
    await c.query('insert into accounts select g, 100 from generate_series(1, 10) g');
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.end().catch(() => {})));
    await db?.drop();
  });

  it('is ok on a quiet database, with connection, size and latency samples, and no warning on stderr', async () => {
    // pg deprecates queueing a query on a client that is still running one (printed once per process).
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const out = await postgresCheck.run(parse({ url: db.url, databases: [db.name] }), makeCtx());
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
    expect(out.status).toBe('ok');
    expect(out.message).toMatch(/^\d+\/\d+ connections, \d+ sessions, [\d.]+ MiB in 1 database\(s\), \d+ms$/);
    const names = new Set(out.samples?.map((s) => s.name));
    for (const n of [
      'pg_connect_seconds',
      'pg_connections',
      'pg_max_connections',
      'pg_longest_transaction_seconds',
    ])
      expect(names).toContain(n);
    expect(out.samples).toContainEqual({
      name: 'pg_database_size_bytes',
      labels: { database: db.name },
      value: expect.any(Number),
    });
  });

  it('turns critical when a long transaction holds a lock another session waits for, naming both', async () => {
    const holder = await connect(db.url);
    const waiter = await connect(db.url);
    const [{ pid: holderPid }] = (await holder.query('select pg_backend_pid() as pid')).rows;
    const [{ pid: waiterPid }] = (await waiter.query('select pg_backend_pid() as pid')).rows;
    await holder.query('begin');
    await holder.query('update accounts set balance = balance - 1 where id = 1');
    const blocked = waiter.query('update accounts set balance = balance + 1 where id = 1');
    blocked.catch(() => {});
    const admin = await connect(db.url);
    await until('the second update to wait on the lock', async () => {
      const { rows } = await admin.query('select cardinality(pg_blocking_pids($1)) as n', [waiterPid]);
      return rows[0].n > 0;
    });

    // With the default thresholds a lock wait of milliseconds is fine...
    const calm = await postgresCheck.run(parse({ url: db.url, databases: [db.name] }), makeCtx());
    expect(calm.status).toBe('ok');
    expect(calm.samples).toContainEqual({ name: 'pg_blocked_sessions', value: 1 });

    // ...with a tight one it is critical, and the message names waiter and holder.
    const out = await postgresCheck.run(
      parse({ url: db.url, databases: [db.name], critical: { lock_wait: '1ms' } }),
      makeCtx(),
    );
    expect(out.status).toBe('critical');
    expect(out.message).toMatch(
      new RegExp(
        `^pid ${waiterPid} \\(postgres@${db.name}\\) waiting \\d+s on a lock held by pid ${holderPid} ` +
          `\\(postgres@${db.name}, idle in transaction \\d+s: update accounts set balance = balance - 1 where id = 1\\)`,
      ),
    );
    const quiet = await postgresCheck.run(
      parse({ url: db.url, databases: [db.name], critical: { lock_wait: '1ms' }, show_queries: false }),
      makeCtx(),
    );
    expect(quiet.message).toMatch(
      new RegExp(`held by pid ${holderPid} \\(postgres@${db.name}, idle in transaction \\d+s\\)$`),
    );
    const tx = await postgresCheck.run(
      parse({ url: db.url, databases: [db.name], warn: { transaction_age: '1ms' } }),
      makeCtx(),
    );
    expect(tx.status).toBe('warning');
    expect(tx.message).toContain(`pid ${holderPid} (postgres@${db.name}) in a transaction for`);

    await holder.query('rollback');
    await blocked;
  });

  it('turns critical at a role CONNECTION LIMIT, and reports the login the server refuses', async () => {
    // A role with a low limit floods for real without lowering max_connections for every other test on the server.
    const role = `vigil_flood_${unique()}`;
    const admin = await connect(db.url);
    await admin.query(`create role ${role} login connection limit 3`);
    try {
      const roleUrl = withPath(postgresAdminUrl, db.name, role);
      const flood = await Promise.all([1, 2, 3].map(() => connect(roleUrl)));
      const out = await postgresCheck.run(parse({ url: db.url, databases: [db.name] }), makeCtx());
      expect(out.status).toBe('critical');
      expect(out.message).toContain(`role ${role} at 3 of 3 connections (its CONNECTION LIMIT)`);
      expect(out.samples).toContainEqual({ name: 'pg_role_connections', labels: { role }, value: 3 });
      // Scoped to databases the role does not work in, its limit is someone else's concern.
      const elsewhere = await postgresCheck.run(
        parse({ url: db.url, databases: [`nowhere_${unique()}`] }),
        makeCtx(),
      );
      expect(elsewhere.message).not.toContain(role);

      const refused = await postgresCheck.run(
        parse({ url: withPath(postgresAdminUrl, db.name, role, 'hunter2-secret') }),
        makeCtx(),
      );
      expect(refused.status).toBe('critical');
      expect(refused.message).toContain(`too many connections for role "${role}"`);
      expect(refused.message).toContain(`${role}:***@`);
      expect(refused.message).not.toContain('hunter2-secret');
      await Promise.all(flood.map((c) => c.end()));
    } finally {
      await admin.query(`drop role if exists ${role}`).catch(() => {});
    }
  });

  it('is critical with a clear message when the login is refused or nothing listens', async () => {
    const nobody = await postgresCheck.run(
      parse({ url: withPath(postgresAdminUrl, db.name, `nobody_${unique()}`, 's3cret-pw') }),
      makeCtx(),
    );
    expect(nobody.status).toBe('critical');
    expect(nobody.message).toMatch(/role "nobody_\w+" does not exist/);
    expect(nobody.message).not.toContain('s3cret-pw');
    const closed = await postgresCheck.run(parse({ url: 'postgres://postgres@127.0.0.1:1/x' }), makeCtx());
    expect(closed).toMatchObject({ status: 'critical', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('warns about a large table full of dead tuples, which VACUUM would clear', async () => {
    const c = await connect(db.url);
    await c.query('create table events (id int) with (autovacuum_enabled = false)');
    await c.query('insert into events select generate_series(1, 20000)');
    await c.query('delete from events where id % 2 = 0');
    // Statistics reach the shared view when a session flushes them; make this one flush now.
    await c.query('select pg_stat_force_next_flush()');
    await c.query('select 1');
    await until('the dead tuples to show in pg_stat_user_tables', async () => {
      const { rows } = await c.query(`select n_dead_tup from pg_stat_user_tables where relname = 'events'`);
      return Number(rows[0]?.n_dead_tup) >= 10_000;
    });
    const out = await postgresCheck.run(parse({ url: db.url, databases: [db.name] }), makeCtx());
    expect(out.status).toBe('warning');
    expect(out.message).toBe('table public.events 50% dead tuples (10000), never vacuumed');
    expect(out.samples).toContainEqual({
      name: 'pg_table_dead_tuple_ratio',
      labels: { table: 'public.events' },
      value: 0.5,
    });
  });
  it('gives up with "timed out" when the server accepts and never answers', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const ctx = makeCtx({ timeoutMs: 50 });
      const out = postgresCheck.run(parse({ url: `postgres://postgres@127.0.0.1:${port}/x` }), ctx);
      setImmediate(() => ctx.controller.abort());
      expect(await out).toMatchObject({ status: 'critical', message: 'timed out after 50ms' });
    } finally {
      silent.close();
    }
  });
});

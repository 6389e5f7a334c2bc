import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresCheck } from '../../src/checks/postgres.js';
import { makeCtx } from './ctx.js';
import { until } from './servers.js';

/**
 * Streaming replication for real: a private primary and a standby made with
 * pg_basebackup, in a temporary directory, so the shared server is never
 * touched. PostgreSQL refuses to run as root, so as root they run as the
 * postgres user. Needs the postgresql package (CI installs it).
 */
const binDir = existsSync('/usr/lib/postgresql')
  ? readdirSync('/usr/lib/postgresql')
      .sort((a, b) => Number(a) - Number(b))
      .map((v) => `/usr/lib/postgresql/${v}/bin`)
      .at(-1)
  : undefined;
const available = binDir !== undefined && existsSync(`${binDir}/pg_basebackup`);
if (!available && process.env.CI === 'true')
  throw new Error('the postgresql server package is required under CI=true');

const asRoot = process.getuid?.() === 0;
const owner = asRoot
  ? {
      uid: Number(execFileSync('id', ['-u', 'postgres'])),
      gid: Number(execFileSync('id', ['-g', 'postgres'])),
    }
  : {};

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe.runIf(available)('postgres check on a primary and its standby', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-pg-repl-'));
  const servers: ChildProcess[] = [];
  const clients: pg.Client[] = [];
  let primaryUrl = '';
  let standbyUrl = '';

  const start = async (name: string, readyText: string) => {
    const port = await freePort();
    const child = spawn(
      `${binDir}/postgres`,
      [
        '-D',
        path.join(dir, name),
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], ...owner },
    );
    servers.push(child);
    // The server says so in its log (stderr) once it accepts connections.
    let log = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        log += d;
        if (log.includes(readyText)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${log}`)));
    });
    return `postgres://postgres@127.0.0.1:${port}/postgres`;
  };
  const connect = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    if (asRoot) chownSync(dir, owner.uid!, owner.gid!);
    const run = promisify(execFile);
    await run(
      `${binDir}/initdb`,
      ['-D', path.join(dir, 'primary'), '-A', 'trust', '-U', 'postgres', '--no-sync'],
      owner,
    );
    primaryUrl = await start('primary', 'database system is ready to accept connections');
    const port = new URL(primaryUrl).port;
    await run(
      `${binDir}/pg_basebackup`,
      [
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-U',
        'postgres',
        '-D',
        path.join(dir, 'standby'),
        '-R',
        '-X',
        'stream',
        '--no-sync',
      ],
      owner,
    );
    standbyUrl = await start('standby', 'database system is ready to accept read-only connections');
    const primary = await connect(primaryUrl);
    await until(
      'the standby to stream',
      async () =>
        (
          await primary.query(
            `select 1 from pg_stat_replication where state = 'streaming' and replay_lsn is not null`,
          )
        ).rowCount === 1,
      5000,
    );
    // One replayed transaction, so the standby knows when it last caught up.
    const standby = await connect(standbyUrl);
    await primary.query('create table orders (id int)');
    await until(
      'the standby to replay the first write',
      async () => (await standby.query(`select to_regclass('orders') is not null as ok`)).rows[0].ok,
      5000,
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    // SIGINT is PostgreSQL's fast shutdown.
    await Promise.all(
      servers.map((s) =>
        s.exitCode === null ? new Promise((r) => s.once('exit', r).kill('SIGINT')) : undefined,
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ok while the standby keeps up, with the replica seen from the primary', async () => {
    const onPrimary = await postgresCheck.run(postgresCheck.schema.parse({ url: primaryUrl }), makeCtx());
    expect(onPrimary.status).toBe('ok');
    expect(onPrimary.samples).toContainEqual({
      name: 'pg_replication_lag_bytes',
      labels: { replica: expect.any(String) },
      value: expect.any(Number),
    });
    const onStandby = await postgresCheck.run(postgresCheck.schema.parse({ url: standbyUrl }), makeCtx());
    expect(onStandby.status).toBe('ok');
    // 0 when all WAL received is replayed; a moment's difference reads as seconds since the last replayed write
    const lag = onStandby.samples?.find((s) => s.name === 'pg_replication_lag_seconds')?.value;
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(30);
  });

  it('turns critical on a standby that stopped replaying while the primary writes', async () => {
    const [primary, standby] = clients as [pg.Client, pg.Client];
    await standby.query('select pg_wal_replay_pause()');
    await primary.query('insert into orders select generate_series(1, 1000)');
    await until(
      'the standby to receive WAL it does not replay',
      async () =>
        (await standby.query('select pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() as behind')).rows[0]
          .behind,
      5000,
    );
    const spec = postgresCheck.schema.parse({ url: standbyUrl, critical: { replication_lag: '1ms' } });
    const out = await postgresCheck.run(spec, makeCtx());
    expect(out.status).toBe('critical');
    expect(out.message).toMatch(/^this standby replays \d+s behind its primary$/);
    const lag = out.samples?.find((s) => s.name === 'pg_replication_lag_seconds')?.value;
    expect(lag).toBeGreaterThan(0);

    const onPrimary = await postgresCheck.run(postgresCheck.schema.parse({ url: primaryUrl }), makeCtx());
    const bytes = onPrimary.samples?.find((s) => s.name === 'pg_replication_lag_bytes')?.value;
    expect(bytes).toBeGreaterThan(0);
    await standby.query('select pg_wal_replay_resume()');
  });
});

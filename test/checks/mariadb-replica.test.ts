import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbCheck } from '../../src/checks/mariadb.js';
import { makeCtx } from './ctx.js';
import { until } from './servers.js';

/**
 * Replication for real: a primary and a replica, two private mariadbd
 * processes in a temporary directory, so the shared server's configuration is
 * never touched. Needs the mariadb-server package (CI installs it).
 */
const mariadbd = '/usr/sbin/mariadbd';
const installDb = '/usr/bin/mariadb-install-db';
const available = existsSync(mariadbd) && existsSync(installDb);
if (!available && process.env.CI === 'true') throw new Error('mariadb-server is required under CI=true');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe.runIf(available)('mariadb check on a replica', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-mariadb-repl-'));
  const servers: ChildProcess[] = [];
  let primaryPort = 0;
  let replicaPort = 0;
  let replica: mysql.Connection;
  const url = () => `mysql://root@127.0.0.1:${replicaPort}/`;

  const start = async (name: string, serverId: number, extra: string[]) => {
    const port = await freePort();
    const child = spawn(
      mariadbd,
      [
        '--no-defaults',
        `--datadir=${path.join(dir, name)}`,
        `--socket=${path.join(dir, `${name}.sock`)}`,
        `--pid-file=${path.join(dir, `${name}.pid`)}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        `--server-id=${serverId}`,
        '--innodb-buffer-pool-size=16M',
        '--skip-name-resolve',
        ...extra,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    servers.push(child);
    // mariadbd says so on stderr once it accepts connections.
    let log = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        log += d;
        if (log.includes('ready for connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${log}`)));
    });
    const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
    return { port, conn };
  };

  beforeAll(async () => {
    await promisify(execFile)(installDb, [
      '--no-defaults',
      `--datadir=${path.join(dir, 'primary')}`,
      '--auth-root-authentication-method=normal',
      '--user=root',
      '--skip-test-db',
    ]);
    cpSync(path.join(dir, 'primary'), path.join(dir, 'replica'), { recursive: true });
    const primary = await start('primary', 1, ['--log-bin=primary-bin', '--binlog-format=ROW']);
    primaryPort = primary.port;
    await primary.conn.query('CREATE DATABASE shop');
    await primary.conn.end();
    const r = await start('replica', 2, ['--skip-log-bin', '--read-only']);
    replicaPort = r.port;
    replica = r.conn;
    await replica.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primaryPort}, MASTER_USER='root', MASTER_PASSWORD='', MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=no`,
    );
    await replica.query('START SLAVE');
    await until(
      'the replica to catch up',
      async () => {
        const [rows] = (await replica.query('SHOW SLAVE STATUS')) as [Record<string, unknown>[], unknown];
        return rows[0]?.Slave_IO_Running === 'Yes' && rows[0]?.Slave_SQL_Running === 'Yes';
      },
      2000,
    );
  }, 60_000);

  afterAll(async () => {
    await replica?.end().catch(() => {});
    for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ok while both threads run, with lag and thread samples', async () => {
    const out = await mariadbCheck.run(mariadbCheck.schema.parse({ url: url() }), makeCtx());
    expect(out.status).toBe('ok');
    expect(out.samples).toContainEqual({
      name: 'mariadb_replica_io_running',
      labels: { source: '127.0.0.1' },
      value: 1,
    });
    expect(out.samples).toContainEqual({
      name: 'mariadb_replica_sql_running',
      labels: { source: '127.0.0.1' },
      value: 1,
    });
    expect(out.samples).toContainEqual({
      name: 'mariadb_replication_lag_seconds',
      labels: { source: '127.0.0.1' },
      value: 0,
    });
  });

  it('turns critical when the SQL thread stops, and when the IO thread cannot reach the primary', async () => {
    await replica.query('STOP SLAVE SQL_THREAD');
    const sql = await mariadbCheck.run(mariadbCheck.schema.parse({ url: url() }), makeCtx());
    expect(sql).toMatchObject({ status: 'critical', message: 'replication from 127.0.0.1: SQL thread No' });

    await replica.query('STOP SLAVE');
    await replica.query(`CHANGE MASTER TO MASTER_PORT=${await freePort()}`);
    await replica.query('START SLAVE');
    await until(
      'the IO thread to report its failure',
      async () => {
        const [rows] = (await replica.query('SHOW SLAVE STATUS')) as [Record<string, unknown>[], unknown];
        return rows[0]?.Slave_IO_Running !== 'Yes' && Boolean(rows[0]?.Last_IO_Error);
      },
      2000,
    );
    const io = await mariadbCheck.run(mariadbCheck.schema.parse({ url: url() }), makeCtx());
    expect(io.status).toBe('critical');
    expect(io.message).toMatch(
      /^replication from 127\.0\.0\.1: IO thread (Connecting|No): error connecting to master/,
    );
    expect(io.samples).toContainEqual({
      name: 'mariadb_replica_io_running',
      labels: { source: '127.0.0.1' },
      value: 0,
    });
  });
});

import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import type { MaintenanceTask } from '../../src/config/maintenance.js';
import { FakeClock } from '../../src/core/clock.js';
import { runTask } from '../../src/maintenance/runner.js';
import { openStore, type Store } from '../../src/store/store.js';
import {
  freshPostgres,
  mariadbAdminUrl,
  mariadbUp,
  postgresUp,
  unique,
  until,
  withPath,
} from '../checks/servers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-maint-'));
let store: Store;
const clock = new FakeClock(Date.UTC(2026, 10, 27, 4));
const retention = parseConfig('{}', 'vigil.yaml').config.retention;

beforeAll(async () => {
  store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The task as vigil.yaml would give it, validated by the real schema. */
function task(yaml: string): MaintenanceTask {
  return parseConfig(`maintenance:\n${yaml}`, 'vigil.yaml', {}).config.maintenance[0]!;
}
const deps = () => ({ store, clock, baseDir: dir, retention });

describe.skipIf(!postgresUp)('postgres tasks', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let client: pg.Client;
  beforeAll(async () => {
    db = await freshPostgres();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('create table orders (id int primary key, note text)');
    await client.query("insert into orders select g, 'x' from generate_series(1, 2000) g");
    await client.query('create index orders_note on orders (note)');
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('vacuums and analyzes, reindexes concurrently and runs cleanup SQL; the run is recorded', async () => {
    const t = task(`  - name: pg-weekly
    cron: "0 4 * * 0"
    postgres: { url: "${db.url}", vacuum_analyze: [orders], reindex: [orders_note], sql: ["delete from orders where id <= 100"] }`);
    const run = await runTask(t, deps());
    expect(run).toMatchObject({ task: 'pg-weekly', kind: 'postgres', status: 'ok' });
    expect(run.message).toBe(
      '3 statements: VACUUM (ANALYZE) "orders"; REINDEX INDEX CONCURRENTLY; delete from orders',
    );
    const stats = await client.query(
      "select last_vacuum, last_analyze from pg_stat_user_tables where relname = 'orders'",
    );
    await until('statistics', async () => {
      const s = await client.query("select last_vacuum from pg_stat_user_tables where relname = 'orders'");
      return s.rows[0]?.last_vacuum !== null;
    });
    expect(stats.rows).toHaveLength(1);
    expect((await client.query('select count(*)::int as n from orders')).rows[0].n).toBe(1900);
    const [recorded] = await store.routines.maintenanceRuns({ task: 'pg-weekly' });
    expect(recorded).toMatchObject({ status: 'ok', startedAt: clock.now() });
  });

  it('cancels the statement on the server at the timeout (pg_cancel_backend)', async () => {
    const t = task(`  - name: pg-slow
    cron: "0 4 * * 0"
    timeout: 5s
    postgres: { url: "${db.url}", sql: ["select pg_sleep(60)"] }`);
    const running = runTask(t, deps());
    const sleeping = async () =>
      (
        await client.query(
          "select count(*)::int as n from pg_stat_activity where query = 'select pg_sleep(60)' and state = 'active'",
        )
      ).rows[0].n as number;
    await until('the statement to run', async () => (await sleeping()) === 1);
    await clock.advance(5000);
    const run = await running;
    expect(run.status).toBe('timeout');
    expect(run.message).toMatch(
      /^cancelled after the timeout of 5000 ms: 57014: canceling statement due to user request/,
    );
    expect(await sleeping()).toBe(0);
  });

  it('fails with the server message on bad SQL', async () => {
    const t = task(`  - name: pg-bad
    cron: "0 4 * * 0"
    postgres: { url: "${db.url}", sql: ["vacuum nosuchtable"] }`);
    const run = await runTask(t, deps());
    expect(run).toMatchObject({ status: 'failed', message: '42P01: relation "nosuchtable" does not exist' });
  });
});

describe.skipIf(!mariadbUp)('mariadb tasks', () => {
  const name = `vigil_maint_${unique()}`;
  let admin: mysql.Connection;
  let url: string;
  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: mariadbAdminUrl });
    await admin.query(`create database ${name}`);
    await admin.query(`create table ${name}.orders (id int primary key, note text) engine=InnoDB`);
    await admin.query(`insert into ${name}.orders values (1, 'a'), (2, 'b')`);
    url = withPath(mariadbAdminUrl, name);
  });
  afterAll(async () => {
    await admin?.query(`drop database if exists ${name}`);
    await admin?.end();
  });

  it('runs ANALYZE and OPTIMIZE TABLE and custom SQL', async () => {
    const t = task(`  - name: my-weekly
    cron: "0 4 * * 0"
    mariadb: { url: "${url}", analyze: [orders], optimize: [orders], sql: ["delete from orders where id = 1"] }`);
    const run = await runTask(t, deps());
    expect(run).toMatchObject({
      status: 'ok',
      message: '3 statements: ANALYZE TABLE `orders`; OPTIMIZE TABLE `orders`; delete from orders',
    });
    const [rows] = await admin.query(`select count(*) as n from ${name}.orders`);
    expect(Number((rows as { n: number }[])[0]!.n)).toBe(1);
  });

  it('fails when ANALYZE reports an error row (a missing table)', async () => {
    const t = task(`  - name: my-missing
    cron: "0 4 * * 0"
    mariadb: { url: "${url}", analyze: [nosuchtable] }`);
    const run = await runTask(t, deps());
    expect(run.status).toBe('failed');
    expect(run.message).toMatch(/nosuchtable.*doesn't exist/);
  });

  it('stops the statement on the server at the timeout (KILL QUERY)', async () => {
    const t = task(`  - name: my-slow
    cron: "0 4 * * 0"
    timeout: 5s
    mariadb: { url: "${url}", sql: ["select sleep(60)"] }`);
    const running = runTask(t, deps());
    const sleeping = async () => {
      const [rows] = await admin.query(
        "select count(*) as n from information_schema.processlist where info = 'select sleep(60)' and command = 'Query'",
      );
      return Number((rows as { n: number }[])[0]!.n);
    };
    await until('the statement to run', async () => (await sleeping()) === 1);
    await clock.advance(5000);
    const run = await running;
    expect(run.status).toBe('timeout');
    expect(await sleeping()).toBe(0);
  });
});

describe('sqlite, command and store tasks', () => {
  it('checks integrity, optimizes and vacuums a SQLite file', async () => {
    const file = path.join(dir, 'app.db');
    const app = await openStore(`sqlite:${file}`);
    await app.close();
    const t = task(`  - name: app-db
    cron: "0 4 * * 0"
    sqlite: { path: app.db, vacuum: true }`);
    const run = await runTask(t, deps());
    expect(run).toMatchObject({ status: 'ok', message: `${file}: integrity ok, optimized, vacuumed` });
  });

  it('fails on a damaged file', async () => {
    const file = path.join(dir, 'broken.db');
    const app = await openStore(`sqlite:${file}`);
    await app.close();
    const fd = openSync(file, 'r+');
    const garbage = Buffer.alloc(statSync(file).size - 4096, 0x5a);
    writeSync(fd, garbage, 0, garbage.length, 4096);
    closeSync(fd);
    const t = task(`  - name: broken
    cron: "0 4 * * 0"
    sqlite: { path: broken.db }`);
    const run = await runTask(t, deps());
    expect(run.status).toBe('failed');
    expect(run.message).toMatch(/malformed|integrity check failed|not a database/);
  });

  it('kills a command at its timeout and records it', async () => {
    const t = task(`  - name: slow-script
    cron: "0 4 * * 0"
    timeout: 2s
    command: "echo started; sleep 60"`);
    const running = runTask(t, deps());
    await clock.advance(2000);
    const run = await running;
    expect(run.status).toBe('timeout');
    const failed = await runTask(
      task(`  - name: failing
    cron: "0 4 * * 0"
    command: "echo disk full >&2; exit 3"`),
      deps(),
    );
    expect(failed).toMatchObject({ status: 'failed', message: 'exit code 3: disk full' });
  });

  it("maintains Vigil's own store: retention prune and vacuum", async () => {
    const t = parseConfig('{}', 'vigil.yaml', {}).config.maintenance.find((x) => x.kind === 'store')!;
    expect(t).toMatchObject({ name: 'vigil-store', builtin: true });
    const run = await runTask(t, deps());
    expect(run.status).toBe('ok');
    expect(run.message).toMatch(/^pruned \d+ rows, vacuumed$/);
  });
});

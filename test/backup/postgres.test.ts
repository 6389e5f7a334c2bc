import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, harness, required } from './harness.js';

const adminUrl = process.env.VIGIL_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `vigil_bk_${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

async function sql(connection: string, text: string): Promise<unknown[][]> {
  const c = new pg.Client({ connectionString: connection });
  await c.connect();
  try {
    return (await c.query({ text, rowMode: 'array' })).rows;
  } finally {
    await c.end();
  }
}
const reachable = await sql(adminUrl, 'select 1').then(
  () => true,
  () => false,
);

describe.runIf(required('PostgreSQL', reachable))('postgres backups (pg_dump -Fc)', () => {
  let h: Harness;
  beforeAll(async () => {
    await sql(adminUrl, `create database ${name}`);
    await sql(
      url,
      `create table orders (id int primary key, item text, created_at timestamptz not null default now());
       insert into orders (id, item) select g, 'item ' || g from generate_series(1, 500) g;`,
    );
    h = await harness([
      {
        name: 'orders-db',
        postgres: { url, globals: true },
        keep: { last: 2 },
        verify: {
          cron: '0 5 1 * *',
          level: 'restore',
          restore_into: adminUrl,
          assert: ["select max(created_at) > now() - interval '2 days' from orders"],
          min_rows: { orders: 500 },
        },
      },
      {
        name: 'secret',
        postgres: { url: Object.assign(new URL(url), { password: 'hunter2-secret' }).toString() },
        verify: { cron: '0 5 1 * *', min_rows: { orders: 1 } },
      },
      {
        name: 'missing',
        postgres: { url: Object.assign(new URL(adminUrl), { pathname: '/vigil_no_such_db' }).toString() },
      },
    ]);
  });
  afterAll(async () => {
    await h?.close();
    await sql(adminUrl, `drop database if exists ${name} with (force)`);
  });

  it('round trip: backup, verify at every level, destroy, restore, same rows', async () => {
    const backup = await h.service.run('orders-db');
    expect(backup.status).toBe('ok');
    const manifest = backup.manifest as { files: { name: string }[]; tools: Record<string, string> };
    expect(manifest.files.map((f) => f.name)).toEqual(['dump.pgc', 'globals.sql']);
    expect(manifest.tools.pg_dump).toMatch(/pg_dump \(PostgreSQL\) \d+/);

    for (const level of ['checksum', 'read', 'restore'] as const) {
      const v = await h.service.verify(backup.id, level);
      expect(v, v.message).toMatchObject({ ok: true, level });
    }
    // the scratch database is gone after the restore test
    const scratch = await sql(
      adminUrl,
      "select datname from pg_database where datname like 'vigil_restore_%'",
    );
    expect(scratch).toEqual([]);

    const before = await sql(url, 'select id, item from orders order by id');
    await sql(url, 'drop table orders');
    await expect(h.service.restore(backup.id, url)).resolves.toBe('restored into an empty target');
    expect(await sql(url, 'select id, item from orders order by id')).toEqual(before);
  });

  it('refuses to restore over a live database unless forced, and says what is there', async () => {
    const [backup] = await h.store.backups.list({ job: 'orders-db' });
    await expect(h.service.restore(backup!.id, url)).rejects.toMatchObject({
      code: 'RESTORE_TARGET_LIVE',
      message: expect.stringContaining('1 tables'),
    });
    await sql(url, 'delete from orders where id > 10');
    await h.service.restore(backup!.id, url, { force: true });
    expect(await sql(url, 'select count(*)::int from orders')).toEqual([[500]]);
  });

  it('a restore test whose assertion is false fails and is recorded', async () => {
    const [backup] = await h.store.backups.list({ job: 'orders-db' });
    const v = await h.service.verify(backup!.id, 'restore', {
      cron: '0 5 1 * *',
      level: 'restore',
      restore_into: adminUrl,
      assert: ['select count(*) > 1000 from orders'],
      min_rows: {},
    });
    expect(v.ok).toBe(false);
    expect(v.message).toMatch(/assertions failed: select count\(\*\) > 1000 from orders: false/);
  });

  it('a password in the URL reaches the tools through the environment, never the manifest or catalogue', async () => {
    const { readFileSync } = await import('node:fs');
    const backup = await h.service.run('secret');
    const v = await h.service.verify(backup.id, 'restore');
    expect(v.ok, v.message).toBe(true);
    const manifest = readFileSync(`${backup.location}/manifest.json`, 'utf8');
    expect(manifest).toContain('postgres://postgres:***@');
    for (const text of [manifest, JSON.stringify(backup), JSON.stringify(v), JSON.stringify(h.samples)]) {
      expect(text).not.toContain('hunter2');
    }
  });

  it('refuses a scratch database that is the source database', async () => {
    const { postgresSource } = await import('../../src/backup/sources/postgres.js');
    const source = Object.assign(new URL(adminUrl), { pathname: '/vigil_restore_same' }).toString();
    await expect(
      postgresSource.scratch({ url: source, globals: false }, { name: 'same', into: adminUrl }),
    ).rejects.toThrow(/the scratch database is the source database/);
    const exists = await sql(adminUrl, "select 1 from pg_database where datname = 'vigil_restore_same'");
    expect(exists).toEqual([]);
  });

  it('pg_dump of a missing database fails the run and leaves nothing listed', async () => {
    await expect(h.service.run('missing')).rejects.toMatchObject({
      code: 'BACKUP_FAILED',
      message: expect.stringMatching(/pg_dump exited with 1.*vigil_no_such_db/),
    });
    expect(await h.store.backups.list({ job: 'missing' })).toEqual([]);
    const [failed] = await h.store.backups.list({ job: 'missing', status: ['failed'] });
    expect(failed?.error).toMatch(/does not exist/);
    const { readdirSync, existsSync } = await import('node:fs');
    const jobDir = `${h.repo}/missing`;
    expect(existsSync(jobDir) ? readdirSync(jobDir) : []).toEqual([]);
  });
});

describe.runIf(reachable)('a truncated PostgreSQL dump', () => {
  let h: Harness;
  const db = `${name}_t`;
  const turl = Object.assign(new URL(adminUrl), { pathname: `/${db}` }).toString();
  beforeAll(async () => {
    await sql(adminUrl, `create database ${db}`);
    await sql(turl, `create table t as select g as id, md5(g::text) as v from generate_series(1, 20000) g`);
    h = await harness([
      { name: 'trunc', postgres: { url: turl }, verify: { cron: '0 5 * * *', min_rows: { t: 1 } } },
    ]);
  });
  afterAll(async () => {
    await h?.close();
    await sql(adminUrl, `drop database if exists ${db} with (force)`);
  });

  it('fails the checksum; with a matching manifest, read and restore still fail', async () => {
    const { readFileSync, writeFileSync, truncateSync, statSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const { sha256File } = await import('../../src/backup/pipeline.js');
    const backup = await h.service.run('trunc');
    const dump = `${backup.location}/dump.pgc`;
    truncateSync(dump, Math.floor(statSync(dump).size * 0.6));

    const checksum = await h.service.verify(backup.id, 'checksum');
    expect(checksum).toMatchObject({
      ok: false,
      message: expect.stringMatching(/does not match its manifest/),
    });

    // A dump cut short before it was hashed: the checksum agrees, only reading the whole archive tells.
    const manifestFile = `${backup.location}/manifest.json`;
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.files[0] = { name: 'dump.pgc', ...(await sha256File(dump)) };
    writeFileSync(manifestFile, JSON.stringify(manifest));
    expect((await h.service.verify(backup.id, 'checksum')).ok).toBe(true);
    // pg_restore --list reads only the table of contents and passes it: why read uses -f /dev/null
    expect(() => execFileSync('pg_restore', ['--list', dump], { stdio: 'pipe' })).not.toThrow();
    const read = await h.service.verify(backup.id, 'read');
    expect(read).toMatchObject({ ok: false, message: expect.stringMatching(/pg_restore exited with 1/) });
    const restore = await h.service.verify(backup.id, 'restore');
    expect(restore).toMatchObject({ ok: false, message: expect.stringMatching(/pg_restore exited with 1/) });
    const scratch = await sql(
      adminUrl,
      "select datname from pg_database where datname like 'vigil_restore_%'",
    );
    expect(scratch).toEqual([]);
  });
});

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, harness, required } from './harness.js';

const server = process.env.VIGIL_TEST_MARIADB ?? 'mysql://root@127.0.0.1:3306';
const name = `vigil_bk_${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
const url = `${server}/${name}`;
const { hostname, port, username } = new URL(server);

function sql(statement: string, db = ''): string {
  return execFileSync(
    'mariadb',
    [
      `-h${hostname}`,
      `-P${port || 3306}`,
      `-u${username}`,
      '--protocol=tcp',
      '-N',
      '-B',
      '-e',
      statement,
      db,
    ].filter(Boolean),
    { encoding: 'utf8' },
  ).trim();
}
const reachable = (() => {
  try {
    sql('select 1');
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(required('MariaDB', reachable))('mariadb backups (mariadb-dump --single-transaction)', () => {
  let h: Harness;
  beforeAll(async () => {
    sql(`create database ${name}`);
    sql(
      `create table orders (id int primary key, item varchar(50), created_at datetime not null default now());
       insert into orders (id, item) select seq, concat('item ', seq) from seq_1_to_300;
       create procedure order_count() select count(*) from orders;`,
      name,
    );
    h = await harness([
      {
        name: 'shop',
        mariadb: { url },
        verify: {
          cron: '0 4 * * 0',
          assert: ['select max(created_at) > now() - interval 2 day from orders'],
          min_rows: { orders: 300 },
        },
      },
    ]);
  });
  afterAll(async () => {
    await h?.close();
    sql(`drop database if exists ${name}`);
  });

  it('round trip: backup, verify at every level, destroy, restore, same rows and routines', async () => {
    const backup = await h.service.run('shop');
    const manifest = backup.manifest as { files: { name: string }[]; tools: Record<string, string> };
    expect(manifest.files[0]?.name).toMatch(/^dump\.sql\.(zst|gz)$/);
    expect(Object.keys(manifest.tools)[0]).toBe('mariadb-dump');
    for (const level of ['checksum', 'read', 'restore'] as const) {
      const v = await h.service.verify(backup.id, level);
      expect(v, v.message).toMatchObject({ ok: true, level });
    }
    expect(sql("show databases like 'vigil_restore_%'")).toBe('');
    const before = sql('select id, item from orders order by id', name);
    sql(`drop database ${name}`);
    await h.service.restore(backup.id, url);
    expect(sql('select id, item from orders order by id', name)).toBe(before);
    expect(sql(`show procedure status where db = '${name}'`)).toMatch(/order_count/);
  });

  it('a failing first stage fails the run although the compressor exits 0', async () => {
    const missing = await harness([{ name: 'gone', mariadb: { url: `${server}/vigil_no_such_db` } }]);
    try {
      await expect(missing.service.run('gone')).rejects.toMatchObject({
        code: 'BACKUP_FAILED',
        message: expect.stringMatching(/mariadb-dump exited with 2: .*Unknown database 'vigil_no_such_db'/),
      });
      expect(await missing.store.backups.list()).toEqual([]);
    } finally {
      await missing.close();
    }
  });

  it('a dump without its completion line fails the read level', async () => {
    const { readdirSync, readFileSync, writeFileSync } = await import('node:fs');
    const { execFileSync: run } = await import('node:child_process');
    const { sha256File } = await import('../../src/backup/pipeline.js');
    const backup = await h.service.run('shop');
    const file = readdirSync(backup.location!).find((f) => f.startsWith('dump.sql.'))!;
    const path = `${backup.location}/${file}`;
    const tool = file.endsWith('.zst') ? 'zstd' : 'gzip';
    // Cut the last lines off and compress again: a whole, well-formed archive of an unfinished dump.
    const text = run(tool, ['-dc', path], { encoding: 'utf8' });
    const cut = text.slice(0, text.lastIndexOf('-- Dump completed'));
    writeFileSync(path, run(tool, ['-c'], { input: cut }));
    const manifestFile = `${backup.location}/manifest.json`;
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.files[0] = { name: file, ...(await sha256File(path)) };
    writeFileSync(manifestFile, JSON.stringify(manifest));
    expect((await h.service.verify(backup.id, 'checksum')).ok).toBe(true);
    expect(await h.service.verify(backup.id, 'read')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no completion line/),
    });
  });
});

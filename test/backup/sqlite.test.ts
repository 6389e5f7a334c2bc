import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, harness } from './harness.js';

/** Databases and statements stay reachable: see the note in src/backup/sources/sqlite.ts. */
const kept: object[] = [];
function hold(db: Database.Database): Database.Database {
  kept.push(db);
  return db;
}

describe('sqlite backups (one snapshot with VACUUM INTO)', () => {
  let h: Harness;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-sqlite-src-'));
    file = path.join(dir, 'app.db');
    const db = hold(new Database(file));
    db.exec('pragma journal_mode = WAL');
    db.exec(`create table notes (id integer primary key, body text, created_at integer not null);`);
    const insert = db.prepare('insert into notes (body, created_at) values (?, unixepoch())');
    kept.push(insert);
    db.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`note ${i} ${'x'.repeat(400)}`);
    })();
    db.close();
    h = await harness([
      {
        name: 'app',
        sqlite: { path: file },
        verify: {
          cron: '0 5 1 * *',
          assert: ['select max(created_at) > unixepoch() - 2 * 86400 from notes'],
          min_rows: { notes: 5000 },
        },
      },
      { name: 'busy', sqlite: { path: file, max_restarts: 3 } },
      { name: 'gone', sqlite: { path: path.join(dir, 'missing.db') } },
    ]);
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round trip: backup, verify at every level, destroy, restore, same rows', async () => {
    const backup = await h.service.run('app');
    for (const level of ['checksum', 'read', 'restore'] as const) {
      const v = await h.service.verify(backup.id, level);
      expect(v, v.message).toMatchObject({ ok: true, level });
    }
    const rows = () => {
      const db = hold(new Database(file, { readonly: true }));
      try {
        const stmt = db.prepare('select id, body from notes order by id');
        kept.push(stmt);
        return stmt.all();
      } finally {
        db.close();
      }
    };
    const before = rows();
    const db = hold(new Database(file));
    db.exec('delete from notes');
    db.close();
    await expect(h.service.restore(backup.id, file)).rejects.toMatchObject({ code: 'RESTORE_TARGET_LIVE' });
    await h.service.restore(backup.id, file, { force: true });
    expect(rows()).toEqual(before);
  });

  it('a corrupted backup fails read: integrity_check is not "ok"', async () => {
    const backup = await h.service.run('app');
    const { readFileSync } = await import('node:fs');
    const { sha256File } = await import('../../src/backup/pipeline.js');
    const artifact = path.join(backup.location!, 'db.sqlite');
    const bytes = readFileSync(artifact);
    // scribble over a page in the middle of the table's b-tree
    bytes.fill(0x5a, 8192 + 100, 8192 + 600);
    writeFileSync(artifact, bytes);
    expect((await h.service.verify(backup.id, 'checksum')).ok).toBe(false);
    const manifestFile = path.join(backup.location!, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.files[0] = { name: 'db.sqlite', ...(await sha256File(artifact)) };
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const read = await h.service.verify(backup.id, 'read');
    expect(read.ok).toBe(false);
    expect(read.message).toMatch(/integrity_check|malformed/);
  });

  it('backs up a database another process writes without pause: one consistent snapshot', async () => {
    // Another process inserts as fast as it can for the whole run, as a busy application (or
    // Vigil's own results writer) does. The online backup API restarted at every write, and gave up.
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3');
         const db = new D(${JSON.stringify(file)});
         db.pragma('busy_timeout = 5000');
         const insert = db.prepare("insert into notes (body, created_at) values ('busy', unixepoch())");
         insert.run();
         process.stdout.write('writing\\n');
         for (;;) insert.run();`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        writer.stdout!.once('data', () => resolve());
        writer.once('exit', (code) => reject(new Error(`the writer exited (${code})`)));
      });
      const backup = await h.service.run('busy');
      const v = await h.service.verify(backup.id, 'read');
      expect(v, v.message).toMatchObject({ ok: true });
      const copy = hold(new Database(path.join(backup.location!, 'db.sqlite'), { readonly: true }));
      const count = copy.prepare('select count(*) from notes').pluck();
      kept.push(count);
      expect(count.get() as number).toBeGreaterThan(5000);
      copy.close();
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('a missing database fails the run', async () => {
    await expect(h.service.run('gone')).rejects.toMatchObject({ code: 'BACKUP_FAILED' });
  });
});

describe('a restore test with nothing to assert', () => {
  it('fails on a database with no table, and says loudly that it checked only that tables exist', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-sqlite-empty-'));
    const empty = path.join(dir, 'empty.db');
    const full = path.join(dir, 'full.db');
    hold(new Database(empty)).exec('pragma user_version = 1');
    hold(new Database(full)).exec('create table t (id integer primary key); insert into t values (1)');
    const h = await harness([
      { name: 'empty', sqlite: { path: empty }, min_size: 1, verify: { cron: '0 5 1 * *' } },
      { name: 'full', sqlite: { path: full }, verify: { cron: '0 5 1 * *' } },
    ]);
    try {
      const e = await h.service.verify((await h.service.run('empty')).id, 'restore');
      expect(e).toMatchObject({ ok: false });
      expect(e.message).toContain('restored, but the restored database has no table');
      const f = await h.service.verify((await h.service.run('full')).id, 'restore');
      expect(f).toMatchObject({ ok: true });
      expect(f.message).toMatch(
        /NO ASSERTION CONFIGURED: checked only that tables exist \(add assert or min_rows\)$/,
      );
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

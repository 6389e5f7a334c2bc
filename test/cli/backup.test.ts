import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from './io.js';

describe('vigil backup', () => {
  let dir: string;
  let config: string;
  const run = async (...args: string[]) => {
    const c = captureIo(dir);
    const code = await main(['node', 'vigil', 'backup', ...args, '--config', config], c.io);
    return { code, out: c.stdout(), err: c.stderr() };
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-cli-backup-'));
    const db = new Database(path.join(dir, 'app.db'));
    db.exec("create table t (id integer primary key, v text); insert into t (v) values ('a'), ('b');");
    db.close();
    config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: sqlite:${path.join(dir, 'vigil.db')}
backups:
  repository: ./repo
  jobs:
    - name: app
      sqlite: { path: ./app.db }
      keep: { last: 1 }
      verify: { cron: "0 5 1 * *", level: restore, min_rows: { t: 2 } }
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs, lists (--json) and verifies a backup', async () => {
    // The CLI resolves ./app.db from where it runs: the config's directory here.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await run('run', 'app');
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toMatch(/^ok {2}app {2}[0-9a-f]{8} {2}/m);
      const listed = JSON.parse((await run('list', '--json')).out);
      expect(listed.backups).toHaveLength(1);
      expect(listed.backups[0]).toMatchObject({ job: 'app', source: 'sqlite', lastVerification: null });
      const v = await run('verify', listed.backups[0].id.slice(0, 5), '--level', 'restore');
      expect(v.code, v.out).toBe(0);
      expect(v.out).toMatch(/ok {2}app .* restore .*1 assertion held/);
      const again = JSON.parse((await run('list', '--json')).out);
      expect(again.backups[0].lastVerification).toMatchObject({ level: 'restore', ok: true });
    } finally {
      process.chdir(cwd);
    }
  });

  it('runbook: the steps, where the newest backup is, and the last passed restore test', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    const r = await run('runbook', 'app');
    process.chdir(cwd);
    expect(r.code).toBe(0);
    const id = JSON.parse((await run('list', '--json')).out).backups[0].id;
    expect(r.out).toContain('# Restore app (sqlite: ./app.db)');
    expect(r.out).toMatch(new RegExp(`Newest backup: ${id}, taken .* in .*repo/app/\\S+-${id} \\(1 kept\\)`));
    expect(r.out).toMatch(
      new RegExp(`Last passed restore test: .* on backup ${id}, into .*app.db, took \\d+\\.\\ds`),
    );
    expect(r.out).toContain(`3. vigil backup restore ${id} --to <target>`);
    expect(r.out).toMatch(/cp .*db\.sqlite \.\/app\.db\.restore/);
    process.chdir(dir);
    const json = JSON.parse((await run('runbook', '--json')).out);
    process.chdir(cwd);
    expect(json.jobs[0]).toMatchObject({ job: 'app', lastRestoreTest: { ok: true }, newest: { id } });
  });

  it('retention after a failed backup keeps the last good one', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const good = JSON.parse((await run('list', '--json')).out).backups[0].id;
      renameSync(path.join(dir, 'app.db'), path.join(dir, 'app.db.moved'));
      const failed = await run('run', 'app');
      expect(failed.code).toBe(3);
      expect(failed.out).toMatch(/failed {2}app {2}cannot read the SQLite database/);
      const plan = await run('prune', '--dry-run');
      expect(plan.out).toMatch(new RegExp(`app +${good} .* keep +last`));
      expect(plan.out).toMatch(/1 kept, 0 would delete/);
      await run('prune');
      expect(JSON.parse((await run('list', '--json')).out).backups.map((b: { id: string }) => b.id)).toEqual([
        good,
      ]);

      // two more good runs: keep-last 1 lets the older go, with the reason
      renameSync(path.join(dir, 'app.db.moved'), path.join(dir, 'app.db'));
      expect((await run('run', 'app')).code).toBe(0);
      const dry = await run('prune', '--dry-run', '--json');
      const decisions = JSON.parse(dry.out).backups as { id: string; keep: boolean; reasons: string[] }[];
      expect(decisions.map((d) => [d.keep, d.reasons])).toEqual([
        [true, ['last']],
        // the older one passed its restore test, and is the newest that did: it stays
        [true, ['newest verified backup']],
      ]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('an unknown job is a usage error with the configured ones as hint', async () => {
    const r = await run('run', 'nope');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no backup job named "nope" \[BACKUP_JOB_NOT_FOUND\]/);
    expect(r.err).toMatch(/configured: app/);
  });

  it('refuses an empty keep policy at load time', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'backups:\n  jobs:\n    - name: x\n      sqlite: { path: a.db }\n      keep: {}\n');
    const c = captureIo(dir);
    const code = await main(['node', 'vigil', 'validate', '--config', bad], c.io);
    expect(code).toBe(2);
    expect(c.stderr() + c.stdout()).toMatch(/empty keep policy/);
  });
});

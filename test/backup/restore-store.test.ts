import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/store.js';
import { captureIo } from '../cli/io.js';
import { testDatabases } from '../store/databases.js';

/** Vigil backs itself up: its store as a backup job, and `vigil restore-store` brings a lost node back. */
describe.each(testDatabases)('vigil restore-store on $name', (database) => {
  let dir: string;
  let config: string;
  let url: string;
  let drop: () => Promise<void>;
  const vigil = async (...args: string[]) => {
    const c = captureIo(dir);
    const code = await main(['node', 'vigil', ...args, '--config', config], c.io);
    return { code, out: c.stdout(), err: c.stderr() };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-restore-store-'));
    ({ url, drop } = await database.create());
    const source =
      database.name === 'sqlite'
        ? `sqlite: { path: "${url.slice('sqlite:'.length)}" }`
        : `postgres: { url: "${url}" }`;
    config = path.join(dir, 'vigil.yaml');
    // Port 9 (discard) answers nothing here: no daemon is running on the configured address.
    writeFileSync(
      config,
      `storage: "${url}"\nserver: { listen: "127.0.0.1:9" }\nbackups:\n  repository: ./backups\n  jobs:\n    - name: vigil-store\n      ${source}\n      cron: "0 2 * * *"\n      keep: { last: 3 }\n`,
    );
    const store = await openStore(url);
    await store.users.add('ana', 'operator', 'hash', Date.now());
    await store.close();
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores the newest backup of the store job after the store is lost, and refuses to overwrite a live one', async () => {
    const backup = await vigil('backup', 'run', 'vigil-store');
    expect(backup.code, backup.out + backup.err).toBe(0);

    // The node is lost: the store and its catalogue of backups with it.
    if (database.name === 'sqlite') rmSync(url.slice('sqlite:'.length), { force: true });
    else await dropDatabase(url);

    const restored = await vigil('restore-store', '--json');
    expect(restored.code, restored.out + restored.err).toBe(0);
    expect(JSON.parse(restored.out)).toMatchObject({ ok: true, job: 'vigil-store', users: 1 });
    const store = await openStore(url);
    try {
      expect((await store.users.list()).map((u) => u.name)).toEqual(['ana']);
    } finally {
      await store.close();
    }

    const again = await vigil('restore-store');
    expect(again.code).toBe(2);
    expect(again.err).toContain('RESTORE_TARGET_LIVE');
    const forced = await vigil('restore-store', '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(forced.out).toMatch(/restored backup [0-9a-f]{8} of .* \(replaced .*\): 0 checks, 1 user\./);
  });
});

async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString(),
  });
  await admin.connect();
  try {
    await admin.query(`drop database ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

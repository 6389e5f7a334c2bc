import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';

/**
 * A process of the built package that loads the store module, says "ready", waits for a line on
 * stdin, then opens (and so migrates) the store: several of them are released at one instant.
 */
function opener(url: string) {
  const store = pathToFileURL(path.resolve('dist/store/store.js')).href;
  const script = `
    const { openStore } = await import(${JSON.stringify(store)});
    process.stdout.write('ready\\n');
    process.stdin.once('data', async () => {
      try {
        const s = await openStore(${JSON.stringify(url)});
        await s.close();
        process.stdout.write('ok\\n');
      } catch (e) {
        process.stdout.write(String(e.message) + '\\n');
      }
      process.exit(0);
    });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready\n')) resolve();
    }),
  );
  const done = new Promise<string>((resolve) =>
    child.once('exit', () => resolve(out.replace('ready\n', '').trim())),
  );
  return { child, ready, done };
}

/**
 * Processes opening a brand-new SQLite store at once (a `vigil up` and a `vigil token create`
 * beside it, scripts making tokens in parallel) both found it empty: the slower failed with
 * "table … already exists" or "duplicate column name" (9 of 20 openers in 5 rounds of 4).
 * Migrations now run in one immediate transaction: one process migrates, the others wait for it
 * and find the store migrated.
 */
describe('several processes opening one new SQLite store at once', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('all succeed, and the store is migrated once', { timeout: 120_000 }, async () => {
    for (let round = 0; round < 5; round++) {
      const url = `sqlite:${path.join(dir, `vigil-${round}.db`)}`;
      const openers = [0, 1, 2, 3].map(() => opener(url));
      await Promise.all(openers.map((o) => o.ready));
      for (const o of openers) o.child.stdin!.write('go\n');
      expect(await Promise.all(openers.map((o) => o.done))).toEqual(['ok', 'ok', 'ok', 'ok']);
      const store = await openStore(url);
      await store.close();
    }
  });
});

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startVigil } from './spawn.js';

/** SQLite is one node: a second `vigil up` on the same file is refused while the first lives. */
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('a second daemon on one SQLite store', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-in-use-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused with STORE_IN_USE (exit 2) while the first runs, and accepted once it was killed', async () => {
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(config, `storage: sqlite:${path.join(dir, 'vigil.db')}\n`);
    const env = { VIGIL_ADMIN_PASSWORD: 'in-use-test-password' };
    const first = startVigil(config, env, children);
    await first.url;
    const second = startVigil(config, env, children);
    expect(await second.exit).toBe(2);
    expect(second.stderr()).toMatch(
      /another Vigil daemon \(pid \d+ on .+\) is using this SQLite store \[STORE_IN_USE\]/,
    );
    expect(second.stderr()).toMatch(/several nodes need storage: postgres/);
    // A daemon killed with SIGKILL leaves its row; its process is gone, so the next start goes ahead.
    first.child.kill('SIGKILL');
    await first.exit;
    const third = startVigil(config, env, children);
    await third.url;
    third.child.kill('SIGTERM');
    expect(await third.exit).toBe(0);
  }, 60_000);
});

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startVigil } from './spawn.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)); // the real clock is the point here

/**
 * A daemon stopped with SIGSTOP (a frozen VM, a debugger, a laptop lid) and continued: the
 * missed slots are not run in a burst on resume; each job runs once, then keeps its schedule.
 */
describe('vigil up stopped and continued', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-sigstop-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs no burst of overdue checks after SIGCONT', { timeout: 60_000 }, async () => {
    const db = path.join(dir, 'vigil.db');
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: sqlite:${db}
checks:
  - name: tick
    command: { run: ["true"] }
    every: 1s
`,
    );
    const vigil = startVigil(config, { VIGIL_ADMIN_PASSWORD: 'a-long-enough-password' }, children);
    await vigil.url;
    const child = vigil.child;
    await sleep(3000);
    child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await sleep(6000);
    const resumedAt = Date.now();
    child.kill('SIGCONT');
    await sleep(3500);
    child.kill('SIGTERM');
    await vigil.exit;

    const rows = new Database(db, { readonly: true })
      .prepare("select started_at as t from check_results where check_name = 'tick' order by started_at")
      .all() as { t: number }[];
    const times = rows.map((r) => Number(r.t));
    // Nothing ran while stopped; after the resume, about one run a second, not six at once.
    expect(times.filter((t) => t > stoppedAt + 1000 && t < resumedAt)).toEqual([]);
    const firstSecond = times.filter((t) => t >= resumedAt && t < resumedAt + 1000);
    expect(firstSecond.length).toBeLessThanOrEqual(2);
    const after = times.filter((t) => t >= resumedAt);
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(after.length).toBeLessThanOrEqual(5);
  });
});

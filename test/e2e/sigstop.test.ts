import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const bin = path.resolve('bin/vigil.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)); // the real clock is the point here

/**
 * A daemon stopped with SIGSTOP (a frozen VM, a debugger, a laptop lid) and continued: the
 * missed slots are not run in a burst on resume; each job runs once, then keeps its schedule.
 */
describe('vigil up stopped and continued', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-sigstop-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
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
    child = spawn(process.execPath, [bin, 'up', '--config', config, '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, VIGIL_ADMIN_PASSWORD: 'a-long-enough-password' },
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      child!.stderr!.on('data', () => /Vigil is up/.test(stderr) && resolve());
      child!.once('exit', (code) => reject(new Error(`vigil exited ${code}: ${stderr}`)));
    });
    await sleep(3000);
    child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await sleep(6000);
    const resumedAt = Date.now();
    child.kill('SIGCONT');
    await sleep(3500);
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));

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

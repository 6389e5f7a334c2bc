import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const bin = path.resolve('bin/vigil.js');
const runForMs = 5000;

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

describe('vigil up on the real clock with monthly, yearly and 40-day schedules', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-long-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays quiet: no job runs, nothing on stderr, and the CPU idles', { timeout: 60_000 }, async () => {
    const app = path.join(dir, 'app.db');
    const db = new Database(app);
    db.exec('create table t (x); insert into t values (1);');
    db.close();
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: sqlite:${path.join(dir, 'vigil.db')}
checks:
  - name: forty-days
    command: { run: ["true"] }
    every: 40d
backups:
  repository: ${path.join(dir, 'backups')}
  jobs:
    - name: app
      sqlite: { path: ${app} }
      cron: "0 0 1 1 *"
      verify: { cron: "0 5 1 * *", level: restore }
maintenance:
  - name: monthly-clean
    command: "echo cleaned"
    cron: "0 5 1 * *"
routines:
  - name: monthly
    cron: "0 10 1 * *"
    steps:
      - manual: "The monthly review"
`,
    );
    const startedAt = new Date();
    // a run on the 1st of a month at 05:00 or 10:00, or on 1 January, would be a real slot
    const dueNow = startedAt.getUTCDate() === 1 && [0, 5, 10].includes(startedAt.getUTCHours());
    child = spawn(process.execPath, [bin, 'up', '--config', config, '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VIGIL_ADMIN_PASSWORD: 'a-long-enough-password' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      child!.stderr!.on('data', () => /Vigil is up/.test(stderr) && resolve());
      child!.once('exit', (code) => reject(new Error(`vigil exited ${code}: ${stderr}`)));
    });
    const afterStart = stderr.length;
    const cpu0 = cpuSeconds(child.pid!);
    await new Promise((r) => setTimeout(r, runForMs)); // the real clock is the point of this test
    const cpu = cpuSeconds(child.pid!) - cpu0;
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));

    expect(stderr.slice(afterStart)).toBe('');
    expect(stderr).not.toMatch(/TimeoutOverflowWarning/);
    if (!dueNow)
      expect(stdout).not.toMatch(/nothing to verify|routine ran|maintenance task done|backup done|skipped/);
    // an idle daemon: well under a tenth of a core (the 60-second figure is in the note)
    expect(cpu / (runForMs / 1000)).toBeLessThan(0.1);
  });
});

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, startVigil } from './spawn.js';

const runForMs = 5000;

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

describe('vigil up on the real clock with monthly, yearly and 40-day schedules', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-long-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
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
    const vigil = startVigil(config, { VIGIL_ADMIN_PASSWORD: 'a-long-enough-password' }, children);
    await vigil.url;
    // the log line on stdout can come before the start line on stderr
    await eventually(
      async () => vigil.stderr(),
      (e) => /Vigil is up/.test(e),
      10_000,
    );
    const child = vigil.child;
    const afterStart = vigil.stderr().length;
    const cpu0 = cpuSeconds(child.pid!);
    await new Promise((r) => setTimeout(r, runForMs)); // the real clock is the point of this test
    const cpu = cpuSeconds(child.pid!) - cpu0;
    child.kill('SIGTERM');
    await vigil.exit;

    expect(vigil.stderr().slice(afterStart)).toBe('');
    expect(vigil.output()).not.toMatch(/TimeoutOverflowWarning/);
    if (!dueNow)
      expect(vigil.output()).not.toMatch(
        /nothing to verify|routine ran|maintenance task done|backup done|skipped/,
      );
    // an idle daemon: well under a tenth of a core (the 60-second figure is in the note)
    expect(cpu / (runForMs / 1000)).toBeLessThan(0.1);
  });
});

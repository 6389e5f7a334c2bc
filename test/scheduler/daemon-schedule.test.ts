import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { type Daemon, startDaemon } from '../../src/daemon.js';
import { openStore } from '../../src/store/store.js';

const H = 3_600_000;
const D = 24 * H;

/** The daemon's log lines, parsed. */
function capture() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

/** Advance the fake clock an hour at a time, letting every job's real I/O finish before the next hour. */
async function advance(clock: FakeClock, daemon: Daemon, ms: number, step = H): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    await clock.advance(Math.min(step, ms - done));
    await daemon.jobs.idle();
  }
}

describe('vigil up on a fake clock: monthly jobs wait for their day', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-monthly-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a monthly restore test, routine and maintenance task neither run early nor spin, and wait for the 1st', {
    timeout: 120_000,
  }, async () => {
    const app = path.join(dir, 'app.db');
    const db = new Database(app);
    db.exec('create table t (x); insert into t values (1);');
    db.close();
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: sqlite:${path.join(dir, 'vigil.db')}
# the outbox's idle look for work queued by the CLI: hourly, so a simulated month is quick
notifications: { poll_interval: 1h }
backups:
  repository: ${path.join(dir, 'backups')}
  jobs:
    - name: app
      sqlite: { path: ${app} }
      verify: { cron: "0 5 1 * *", level: restore }
maintenance:
  - name: monthly-clean
    command: "echo cleaned"
    cron: "0 3 1 * *"
routines:
  - name: monthly
    cron: "0 10 1 * *"
    steps:
      - maintenance: {}
`,
    );
    const { lines, logger } = capture();
    // 2 December: every next run is about 29 days away, past what one timer can wait
    const clock = new FakeClock(Date.parse('2026-12-02T10:00:00Z'));
    const daemon = await startDaemon({ configPath: config, logger, clock, listen: '127.0.0.1:0', env: {} });
    const store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
    try {
      let maxTimers = 0;
      for (let day = 0; day < 4; day++) {
        await advance(clock, daemon, D);
        maxTimers = Math.max(maxTimers, clock.pendingTimers);
      }
      expect(
        lines.filter(
          (l) => /nothing to verify|skipped|routine ran/.test(l.msg) || l.task === 'monthly-clean',
        ),
      ).toEqual([]);
      expect(await store.routines.listRuns()).toEqual([]);
      expect(await store.routines.maintenanceRuns({ task: 'monthly-clean' })).toEqual([]);
      // the job runner's one timer, the notifier's and the outbox's: nothing accumulates
      expect(maxTimers).toBeLessThanOrEqual(daemon.jobs.list().length);

      // Each waits for the 1st with the runner's one clamped timer; the simulated month
      // (month.test.ts) sees monthly jobs run on their day.
      const next = Object.fromEntries(
        daemon.jobs.list().map((j) => [j.id, j.nextRunAt && new Date(j.nextRunAt).toISOString()]),
      );
      expect(next).toMatchObject({
        'verify:app:restore': '2027-01-01T05:00:00.000Z',
        'maintenance:monthly-clean': '2027-01-01T03:00:00.000Z',
        'routine:monthly': '2027-01-01T10:00:00.000Z',
      });
    } finally {
      await store.close();
      await daemon.stop();
    }
  });
});

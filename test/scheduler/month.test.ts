import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { FakeClock } from '../../src/core/clock.js';
import { startDaemon } from '../../src/daemon.js';
import { openStore } from '../../src/store/store.js';

const H = 3_600_000;
const D = 24 * H;
const iso = (t: number) => new Date(t).toISOString();

/** `YYYY-MM-DD hh:mm` in Berlin, as a person there reads the instant. */
function berlin(t: number): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(t);
}

/** The days from `first` to `last` (inclusive) in Berlin whose weekday is one of `days` (0 = Sunday). */
function localDays(first: string, last: string, at: string, days = [0, 1, 2, 3, 4, 5, 6]): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${first}T12:00:00Z`); t <= Date.parse(`${last}T12:00:00Z`); t += D)
    if (days.includes(new Date(t).getUTCDay())) out.push(`${iso(t).slice(0, 10)} ${at}`);
  return out;
}

/**
 * The guide's configuration (examples/routines.yaml: the daily, weekly and monthly routines,
 * a daily backup of the store with a weekly read check and a monthly restore test, daily and
 * weekly maintenance) plus daily log rotation, in Europe/Berlin, run by the whole daemon on a
 * fake clock through 35 days that include the spring-forward night of 28 March 2027. The checks
 * and alert rules of the example are left out: they are not what this test is about, and they
 * would add a hundred thousand evaluations.
 */
describe('a simulated month of vigil up with the guide’s routines', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-month-'));
  const received: { channel: string; body: string }[] = [];
  let receiver: Server;
  let url = '';
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ channel: req.url ?? '', body });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => receiver.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs each routine, backup, verification, maintenance task and rotation at its local time, once', {
    // ~90 CPU-seconds: 60–100 s on a quiet CI machine, 300 s with CI and other work beside it
    timeout: 600_000,
  }, async () => {
    const doc = parseDocument(readFileSync(new URL('../../examples/routines.yaml', import.meta.url), 'utf8'));
    const log = path.join(dir, 'app.log');
    writeFileSync(log, 'started\n');
    doc.set('storage', `sqlite:${path.join(dir, 'vigil.db')}`);
    doc.delete('checks');
    doc.delete('alerts');
    doc.set('notify', [
      { name: 'team-mail', webhook: { url: `${url}/mail` } },
      { name: 'team-chat', webhook: { url: `${url}/chat` } },
    ]);
    // the outbox's idle look for work queued by another process: hourly, so the month is quick
    doc.setIn(['notifications', 'poll_interval'], '1h');
    doc.setIn(['backups', 'repository'], path.join(dir, 'backups'));
    doc.setIn(['backups', 'timezone'], 'Europe/Berlin');
    doc.setIn(['backups', 'jobs', 0, 'sqlite', 'path'], path.join(dir, 'vigil.db'));
    for (const i of [0, 1]) doc.setIn(['maintenance', i, 'timezone'], 'Europe/Berlin');
    doc.setIn(['maintenance', 1, 'command'], 'echo cleaned');
    for (const i of [0, 1, 2]) doc.setIn(['routines', i, 'timezone'], 'Europe/Berlin');
    doc.set('logs', [{ path: log, rotate: { when: 'daily', keep: 3 } }]);
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(config, doc.toString());

    const lines: { msg: string; level: number }[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _e, done) {
          for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
          done();
        },
      }),
    );
    // Tuesday 2 March 2027, 11:00 in Berlin: the monthly jobs are next due 30 days away
    const start = Date.parse('2027-03-02T10:00:00Z');
    const end = start + 35 * D;
    const clock = new FakeClock(start);
    const daemon = await startDaemon({
      configPath: config,
      logger,
      clock,
      listen: '127.0.0.1:0',
      env: { VULN_SCAN: 'true' },
    });
    const store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
    try {
      let maxTimers = 0;
      for (let t = start; t < end; t += H) {
        if ((t - start) % D === 0) appendFileSync(log, `a line on ${iso(t)}\n`);
        await clock.advance(H);
        await daemon.jobs.idle();
        maxTimers = Math.max(maxTimers, clock.pendingTimers);
      }
      await daemon.jobs.idle();

      // Nothing spun, nothing accumulated: the runner's one timer plus the notifier's own waits.
      expect(maxTimers).toBeLessThanOrEqual(daemon.jobs.list().length);
      expect(lines.filter((l) => l.level >= 50 && !/routine run|step/.test(l.msg))).toEqual([]);

      // Routines: each at 08:00, 09:00 on Mondays, 10:00 on the 1st, local time, across the DST change.
      const runs = await store.routines.listRuns({ limit: 1000 });
      const at = (routine: string) =>
        runs
          .filter((r) => r.routine === routine)
          .map((r) => berlin(Date.parse(r.id.slice(r.id.indexOf('@') + 1))))
          .sort();
      expect(at('daily')).toEqual(localDays('2027-03-03', '2027-04-06', '08:00'));
      expect(at('weekly')).toEqual(localDays('2027-03-03', '2027-04-06', '09:00', [1]));
      expect(at('monthly')).toEqual(['2027-04-01 10:00']);

      // Backups: one a day at 02:00; on 28 March 02:00 does not exist and the backup runs at 03:00.
      const backups = await store.backups.list({
        job: 'vigil-db',
        limit: 1000,
        status: ['ok', 'failed', 'pruned'],
      });
      const backupTimes = backups.map((b) => berlin(b.startedAt)).sort();
      expect(backupTimes).toEqual(
        localDays('2027-03-03', '2027-04-06', '02:00').map((d) =>
          d.startsWith('2027-03-28') ? '2027-03-28 03:00' : d,
        ),
      );
      // Retention (restic's semantics, keep daily 7 + weekly 4): the last seven days, and the
      // newest backup of each of the four newest ISO weeks.
      const kept = (await store.backups.list({ job: 'vigil-db', limit: 1000 })).map((b) =>
        berlin(b.startedAt).slice(0, 10),
      );
      expect(kept.sort()).toEqual([
        '2027-03-21',
        '2027-03-28',
        '2027-03-31',
        '2027-04-01',
        '2027-04-02',
        '2027-04-03',
        '2027-04-04',
        '2027-04-05',
        '2027-04-06',
      ]);

      // Verifications: the weekly read on Sundays at 04:00, the restore test on the 1st at 05:00.
      const verifications = await store.backups.verifications({ job: 'vigil-db', limit: 1000 });
      const byLevel = (level: string) =>
        verifications
          .filter((v) => v.level === level)
          .map((v) => berlin(v.at))
          .sort();
      expect(byLevel('read').map((t) => t.slice(0, 10))).toEqual(
        localDays('2027-03-03', '2027-04-06', '', [0]).map((d) => d.trim()),
      );
      expect(byLevel('restore').map((t) => t.slice(0, 10))).toEqual(['2027-04-01']);
      expect(verifications.every((v) => v.ok)).toBe(true);

      // Maintenance: the store task daily at 03:30 (on 28 March, 03:30 exists), the clean-up on
      // Sundays at 04:00. The store task prunes runs past the 30-day retention, so the log counts
      // every run and the store holds the instants of the last 30 days.
      const maintenance = async (task: string) =>
        (await store.routines.maintenanceRuns({ task, limit: 1000 })).map((r) => berlin(r.startedAt)).sort();
      const done = (task: string) =>
        lines.filter((l) => l.msg === 'maintenance task done' && (l as { task?: string }).task === task)
          .length;
      expect(done('vigil-store')).toBe(35);
      expect(await maintenance('vigil-store')).toEqual(localDays('2027-03-07', '2027-04-06', '03:30'));
      expect(done('tmp-cleanup')).toBe(5);
      expect(await maintenance('tmp-cleanup')).toEqual(localDays('2027-03-03', '2027-04-06', '04:00', [0]));

      // Rotation: the first pass rotates at once (the file was last written before the simulated
      // month began), then once a day after midnight: 1 + 35, and three files kept.
      const rotations = lines.filter((l) => l.msg === 'log rotated');
      expect(rotations.length).toBe(36);
      expect(
        readdirSync(dir)
          .filter((f) => f.startsWith('app.log.'))
          .sort(),
      ).toEqual(['app.log.1', 'app.log.2', 'app.log.3']);

      // Reports: every closed run delivered once to each of its channels, never twice.
      const keys = received.map(
        (r) =>
          `${r.channel} ${JSON.parse(r.body).groupKey ?? JSON.parse(r.body).title ?? r.body.slice(0, 80)}`,
      );
      expect(new Set(keys).size).toBe(keys.length);
    } finally {
      await store.close();
      await daemon.stop();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock, MAX_TIMER_MS, systemClock } from '../../src/core/clock.js';
import { VigilError } from '../../src/errors.js';
import {
  type JobHistory,
  type JobRecord,
  JobRunner,
  type LastRun,
  type ScheduledJob,
} from '../../src/scheduler/job-runner.js';
import { lateGraceMs } from '../../src/scheduler/local-driver.js';

const H = 3_600_000;
const D = 24 * H;

function memoryHistory(): JobHistory & { rows: Map<string, JobRecord> } {
  const rows = new Map<string, JobRecord>();
  return {
    rows,
    async load() {
      return [...rows.values()].map((r) => ({ ...r }));
    },
    async seen(id, kind, at) {
      if (!rows.has(id)) rows.set(id, { id, kind, firstSeenAt: at });
    },
    async finished(id, kind, run: LastRun) {
      const r = rows.get(id) ?? { id, kind, firstSeenAt: run.startedAt };
      rows.set(id, { ...r, last: run });
    },
  };
}

function runnerOn(clock: FakeClock, history?: JobHistory) {
  const pool = { concurrency: 4 };
  return new JobRunner({
    clock,
    pools: { checks: pool, rules: pool, tasks: pool },
    ...(history ? { history } : {}),
  });
}

function job(
  id: string,
  schedule: ScheduledJob['schedule'],
  missed: ScheduledJob['missed'],
  runs: number[],
): ScheduledJob {
  return {
    id,
    kind: 'backup',
    pool: 'tasks',
    missed,
    schedule,
    run: async (info) => {
      runs.push(info.dueAt);
      return { ok: true };
    },
  };
}

const cron = (expr: string, timezone = 'UTC') => ({ type: 'cron' as const, expr, timezone });

describe('the clocks', () => {
  it('refuse a delay longer than a Node timer can wait, the fake one exactly as the real one', () => {
    const fake = new FakeClock();
    expect(() => fake.setTimer(MAX_TIMER_MS + 1, () => {})).toThrow(RangeError);
    expect(() => systemClock.setTimer(MAX_TIMER_MS + 1, () => {})).toThrow(RangeError);
    expect(() => fake.setTimer(Number.POSITIVE_INFINITY, () => {})).toThrow(RangeError);
    fake.setTimer(MAX_TIMER_MS, () => {}).cancel();
    systemClock.setTimer(MAX_TIMER_MS, () => {}).cancel();
  });
});

describe('the job runner', () => {
  it('waits out monthly, yearly and 40-day jobs with one clamped timer, and runs each at its instant once', async () => {
    const clock = new FakeClock(Date.parse('2026-12-02T10:00:00Z'));
    const runs: Record<string, number[]> = { monthly: [], yearly: [], forty: [] };
    const runner = runnerOn(clock);
    runner.set('t', [
      job('monthly', cron('0 5 1 * *'), 'run-once', runs.monthly!),
      job('yearly', cron('0 0 1 1 *'), 'run-once', runs.yearly!),
      job('forty', { type: 'every', everyMs: 40 * D }, 'skip', runs.forty!),
    ]);
    runner.start();
    let maxTimers = 0;
    for (let day = 0; day < 31; day++) {
      await clock.advance(D);
      maxTimers = Math.max(maxTimers, clock.pendingTimers);
    }
    expect(maxTimers).toBe(1);
    expect(runs.monthly).toEqual([Date.parse('2027-01-01T05:00:00Z')]);
    expect(runs.yearly).toEqual([Date.parse('2027-01-01T00:00:00Z')]);
    // the 40-day job keeps its phase: one run at most in 31 days, exactly on its slot
    for (const t of runs.forty!) expect(t % (40 * D)).toBe(runs.forty![0]! % (40 * D));
    expect(runs.forty!.length).toBeLessThanOrEqual(1);
    await runner.stop(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps the live timers bounded by the number of jobs over a simulated week of reloads', async () => {
    const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
    const runner = runnerOn(clock);
    const runs: number[] = [];
    const jobs = [
      job('a', { type: 'every', everyMs: 60_000 }, 'skip', runs),
      job('b', cron('0 2 * * *'), 'run-once', runs),
      job('c', cron('0 5 1 * *'), 'run-once', runs),
    ];
    runner.set('t', jobs);
    runner.start();
    let maxTimers = 0;
    for (let h = 0; h < 7 * 24; h++) {
      await clock.advance(H);
      if (h % 6 === 0) runner.set('t', jobs); // a reload every six hours
      maxTimers = Math.max(maxTimers, clock.pendingTimers);
    }
    expect(maxTimers).toBeLessThanOrEqual(jobs.length);
    expect(runs.length).toBe(7 * 24 * 60 + 7);
    await runner.stop(0);
  });

  it('runs a run-once job once after downtime, for the newest slot it missed; a skip job waits', async () => {
    const history = memoryHistory();
    const clock = new FakeClock(Date.parse('2026-12-01T00:00:00Z'));
    const daily: number[] = [];
    const hourly: number[] = [];
    const jobs = () => [
      job('daily', cron('0 2 * * *'), 'run-once', daily),
      job('hourly', cron('0 * * * *'), 'skip', hourly),
    ];
    const first = runnerOn(clock, history);
    await first.open();
    first.set('t', jobs());
    first.start();
    await clock.advance(3 * H);
    expect(daily).toEqual([Date.parse('2026-12-01T02:00:00Z')]);
    await first.stop(0);
    // Vigil is down for three days and a bit
    await clock.advance(3 * D + 10 * H + 10 * 60_000);
    const second = runnerOn(clock, history);
    await second.open();
    second.set('t', jobs());
    second.start();
    await clock.advance(0);
    expect(daily).toEqual([Date.parse('2026-12-01T02:00:00Z'), Date.parse('2026-12-04T02:00:00Z')]);
    expect(hourly.filter((t) => t > Date.parse('2026-12-01T03:00:00Z'))).toEqual([]);
    await clock.advance(D);
    expect(daily.at(-1)).toBe(Date.parse('2026-12-05T02:00:00Z'));
    expect(daily).toHaveLength(3);
    await second.stop(0);
  });

  it('does not run a job for slots before it was first seen (a fresh install runs no monthly test at once)', async () => {
    const history = memoryHistory();
    const clock = new FakeClock(Date.parse('2026-12-02T10:00:00Z'));
    const runs: number[] = [];
    const runner = runnerOn(clock, history);
    await runner.open();
    runner.set('t', [job('monthly', cron('0 5 1 * *'), 'run-once', runs)]);
    runner.start();
    await clock.advance(D);
    expect(runs).toEqual([]);
    expect(history.rows.get('monthly')?.firstSeenAt).toBe(Date.parse('2026-12-02T10:00:00Z'));
    await runner.stop(0);
  });

  it('after a suspended machine: no burst of overdue runs; run-once jobs run once, skip jobs wait', async () => {
    const clock = new FakeClock(Date.parse('2026-12-02T00:00:30Z'));
    const runner = runnerOn(clock);
    const minutely: number[] = [];
    const hourly: number[] = [];
    runner.set('t', [
      job('minutely', { type: 'every', everyMs: 60_000 }, 'skip', minutely),
      job('hourly', cron('0 * * * *'), 'run-once', hourly),
    ]);
    runner.start();
    await clock.advance(30 * 60_000);
    const before = minutely.length;
    await clock.suspend(2 * H + 5 * 60_000); // SIGSTOP, or a closed laptop lid
    expect(minutely.length).toBe(before);
    expect(hourly).toEqual([Date.parse('2026-12-02T02:00:00Z')]);
    await clock.advance(60_000);
    expect(minutely.length).toBe(before + 1);
    expect(minutely.at(-1)! > clock.now() - 60_000).toBe(true);
    await runner.stop(0);
  });

  it('runs a skip job that is only a little late (a busy event loop is not a suspension)', async () => {
    const clock = new FakeClock(Date.parse('2026-12-02T00:00:30Z'));
    const runner = runnerOn(clock);
    const runs: number[] = [];
    runner.set('t', [job('j', cron('0 * * * *'), 'skip', runs)]);
    runner.start();
    await clock.advance(H - 30_001);
    await clock.suspend(lateGraceMs);
    expect(runs).toEqual([Date.parse('2026-12-02T01:00:00Z')]);
    await runner.stop(0);
  });

  it('lists every job with its next run in its time zone, and the last outcome', async () => {
    const clock = new FakeClock(Date.parse('2026-12-02T10:00:00Z'));
    const runner = runnerOn(clock);
    runner.set('t', [
      job('berlin', cron('0 8 * * *', 'Europe/Berlin'), 'run-once', []),
      {
        ...job('fails', cron('0 11 * * *'), 'skip', []),
        run: async () => {
          throw new Error('the disk is full');
        },
      },
    ]);
    runner.start();
    await clock.advance(H);
    const list = runner.list();
    expect(list.map((j) => [j.id, new Date(j.nextRunAt!).toISOString()])).toEqual([
      ['berlin', '2026-12-03T07:00:00.000Z'],
      ['fails', '2026-12-03T11:00:00.000Z'],
    ]);
    expect(list[1]?.last).toMatchObject({ ok: false, message: 'the disk is full' });
    await runner.stop(0);
  });

  it('keeps a job on its local time across the spring-forward night in Europe/Berlin', async () => {
    const clock = new FakeClock(Date.parse('2027-03-26T00:00:00Z'));
    const runner = runnerOn(clock);
    const runs: number[] = [];
    runner.set('t', [job('daily', cron('30 2 * * *', 'Europe/Berlin'), 'run-once', runs)]);
    runner.start();
    await clock.advance(4 * D);
    // 02:30 does not exist on 28 March 2027 in Berlin: croner runs it at 03:30 CEST that day
    expect(runs.map((t) => new Date(t).toISOString())).toEqual([
      '2027-03-26T01:30:00.000Z',
      '2027-03-27T01:30:00.000Z',
      '2027-03-28T01:30:00.000Z',
      '2027-03-29T00:30:00.000Z',
    ]);
    await runner.stop(0);
  });
});

describe('timer-backed settings', () => {
  it('refuses a timeout or group timer longer than a timer can wait, at load time', () => {
    const bad = `checks:
  - name: slow
    command: { run: ["true"] }
    timeout: 30d
maintenance:
  - name: vacuum
    command: "true"
    cron: "0 4 * * *"
    timeout: 25d
route:
  receiver: team
  group_wait: 40d
notify:
  - name: team
    webhook: { url: "http://127.0.0.1:9/" }
`;
    let problems: string[] = [];
    try {
      parseConfig(bad, 'vigil.yaml', {});
    } catch (e) {
      problems = e instanceof VigilError ? e.problems.map((p) => `${p.path}: ${p.message}`) : [String(e)];
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/checks\[0\]\.timeout: 30d is longer than the maximum of 3w3d/),
        expect.stringMatching(/maintenance\[0\]\.timeout: 25d is longer than the maximum of 3w3d/),
        expect.stringMatching(/route\.group_wait: 40d is longer than the maximum of 3w3d/),
      ]),
    );
  });
});

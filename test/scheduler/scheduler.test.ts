import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { phaseOf } from '../../src/core/schedule.js';
import { LocalDriver } from '../../src/scheduler/local-driver.js';
import { type RunInfo, Scheduler } from '../../src/scheduler/scheduler.js';
import type { Job } from '../../src/scheduler/types.js';

const start = Date.UTC(2026, 10, 27, 0, 0, 0);
const every = (id: string, everyMs: number): Job => ({ id, schedule: { type: 'every', everyMs } });

function setup(opts: { concurrency?: number; run?: (info: RunInfo) => Promise<void> } = {}) {
  const clock = new FakeClock(start);
  const runs: RunInfo[] = [];
  const scheduler = new Scheduler({
    clock,
    driver: new LocalDriver(clock),
    concurrency: opts.concurrency ?? 100,
    run: async (info) => {
      runs.push(info);
      await opts.run?.(info);
    },
  });
  return { clock, runs, scheduler };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('scheduler', () => {
  it('runs each job on its phase, exactly every interval, with no lateness', async () => {
    const { clock, runs, scheduler } = setup();
    scheduler.start([every('a', 10_000), every('b', 10_000)]);
    await clock.advance(30_000);
    for (const id of ['a', 'b']) {
      const mine = runs.filter((r) => r.job.id === id);
      expect(mine).toHaveLength(3);
      expect(mine.map((r) => r.dueAt % 10_000)).toEqual([1, 2, 3].map(() => phaseOf(id, 10_000)));
      for (const r of mine) expect(r.startedAt).toBe(r.dueAt);
    }
  });

  it('never overlaps runs of one job: a due run is skipped while the last one is going', async () => {
    const gate = deferred();
    const { clock, runs, scheduler } = setup({ run: () => gate.promise });
    scheduler.start([every('slow', 1000)]);
    await clock.advance(5000);
    expect(runs).toHaveLength(1);
    expect(scheduler.stats.skippedOverlap).toBeGreaterThanOrEqual(3);
    gate.resolve();
    await clock.advance(1000);
    expect(runs).toHaveLength(2);
  });

  it('holds at most `concurrency` runs in flight and queues the rest in due order', async () => {
    const gates = new Map<string, ReturnType<typeof deferred>>();
    let peak = 0;
    const { clock, runs, scheduler } = setup({
      concurrency: 3,
      run: (info) => {
        peak = Math.max(peak, scheduler.stats.running);
        const g = deferred();
        gates.set(info.job.id, g);
        return g.promise;
      },
    });
    scheduler.start(Array.from({ length: 10 }, (_, i) => every(`j${i}`, 60_000)));
    await clock.advance(60_000);
    expect(runs).toHaveLength(3);
    expect(scheduler.stats.queued).toBe(7);
    for (const g of gates.values()) g.resolve();
    await clock.advance(0);
    expect(runs).toHaveLength(6);
    expect(peak).toBe(3);
    // queued runs start in due order, and their lateness is measured
    const started = runs.map((r) => r.dueAt);
    expect([...started].sort((a, b) => a - b)).toEqual(started);
  });

  it('gives slow jobs at most half of the slots, so fast ones keep running', async () => {
    const clock = new FakeClock(start);
    let fastRuns = 0;
    let peakSlow = 0;
    let slowRunning = 0;
    const hang = deferred();
    const seen = new Set<string>();
    const scheduler = new Scheduler({
      clock,
      driver: new LocalDriver(clock),
      concurrency: 4,
      slowAfterMs: 500,
      run: async (info) => {
        if (!info.job.id.startsWith('slow')) {
          fastRuns++;
          return;
        }
        slowRunning++;
        peakSlow = Math.max(peakSlow, slowRunning);
        // first run: 600 ms, which marks the job slow; later runs hang
        if (!seen.has(info.job.id)) {
          seen.add(info.job.id);
          await new Promise<void>((r) => clock.setTimer(600, r));
        } else await hang.promise;
        slowRunning--;
      },
    });
    scheduler.start([...Array.from({ length: 8 }, (_, i) => every(`slow${i}`, 1000)), every('fast', 1000)]);
    await clock.advance(3000);
    peakSlow = slowRunning;
    fastRuns = 0;
    await clock.advance(10_000);
    expect(peakSlow).toBeLessThanOrEqual(2);
    expect(fastRuns).toBe(10);
    hang.resolve();
  });

  it('fires cron jobs in their time zone', async () => {
    const { clock, runs, scheduler } = setup();
    scheduler.start([
      { id: 'morning', schedule: { type: 'cron', expr: '0 8 * * *', timezone: 'Europe/Berlin' } },
    ]);
    await clock.advance(2 * 86_400_000);
    expect(runs.map((r) => new Date(r.dueAt).toISOString())).toEqual([
      '2026-11-27T07:00:00.000Z',
      '2026-11-28T07:00:00.000Z',
    ]);
  });

  it('keeps the phase of unchanged jobs on update, drops removed ones, adds new ones', async () => {
    const { clock, runs, scheduler } = setup();
    scheduler.start([every('keep', 10_000), every('drop', 10_000)]);
    await clock.advance(10_000);
    scheduler.update([every('keep', 10_000), every('new', 10_000)]);
    runs.length = 0;
    await clock.advance(20_000);
    expect(runs.filter((r) => r.job.id === 'keep')).toHaveLength(2);
    expect(runs.filter((r) => r.job.id === 'new')).toHaveLength(2);
    expect(runs.filter((r) => r.job.id === 'drop')).toHaveLength(0);
  });

  it('on stop, lets runs finish until the deadline, then aborts them', async () => {
    let aborted = 0;
    const { clock, scheduler, runs } = setup({
      run: (info) =>
        new Promise<void>((resolve) => {
          info.signal.addEventListener('abort', () => {
            aborted++;
            resolve();
          });
        }),
    });
    scheduler.start([every('a', 1000), every('b', 1000)]);
    await clock.advance(1000);
    expect(scheduler.stats.running).toBe(2);
    const stopped = scheduler.stop(5000);
    await clock.advance(4999);
    expect(aborted).toBe(0);
    await clock.advance(1);
    await stopped;
    expect(aborted).toBe(2);
    const before = runs.length;
    await clock.advance(10_000);
    expect(runs).toHaveLength(before);
  });
});

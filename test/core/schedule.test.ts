import { describe, expect, it } from 'vitest';
import { coverWindow, resolutions } from '../../src/core/buckets.js';
import { nextDue, phaseOf } from '../../src/core/schedule.js';

describe('every: schedules', () => {
  it('spreads checks with the same interval over it, stably', () => {
    const phases = Array.from({ length: 1000 }, (_, i) => phaseOf(`check-${i}`, 10_000));
    expect(phaseOf('check-1', 10_000)).toBe(phases[1]);
    // every tenth of the interval gets a share of the checks: no herd at t=0
    const deciles = new Array(10).fill(0);
    for (const p of phases) deciles[Math.floor(p / 1000)]++;
    for (const n of deciles) expect(n).toBeGreaterThan(60);
  });

  it('is due on its phase, strictly after the given time', () => {
    const phase = phaseOf('api', 30_000);
    const t = 1_800_000_000_000;
    const due = nextDue({ type: 'every', everyMs: 30_000 }, 'api', t);
    expect(due).toBeGreaterThan(t);
    expect(due - t).toBeLessThanOrEqual(30_000);
    expect(due % 30_000).toBe(phase);
    expect(nextDue({ type: 'every', everyMs: 30_000 }, 'api', due)).toBe(due + 30_000);
  });
});

describe('cron schedules', () => {
  it('follow the time zone, across the spring-forward day', () => {
    const s = { type: 'cron' as const, expr: '30 2 * * *', timezone: 'Europe/Berlin' };
    // 2026-03-29: Berlin skips 02:00-03:00; croner runs the 02:30 job at 03:30 CEST that day, or skips it.
    const before = Date.UTC(2026, 2, 28, 0, 0);
    const first = nextDue(s, 'x', before);
    expect(new Date(first).toISOString()).toBe('2026-03-28T01:30:00.000Z'); // 02:30 CET
    const after = nextDue(s, 'x', Date.UTC(2026, 2, 30, 0, 0));
    expect(new Date(after).toISOString()).toBe('2026-03-30T00:30:00.000Z'); // 02:30 CEST
  });

  it('runs at 08:00 UTC by default', () => {
    const due = nextDue(
      { type: 'cron', expr: '0 8 * * *', timezone: undefined },
      'x',
      Date.UTC(2026, 10, 27, 9),
    );
    expect(new Date(due).toISOString()).toBe('2026-11-28T08:00:00.000Z');
  });
});

describe('rollup window cover', () => {
  const day = resolutions.d;
  const hour = resolutions.h;

  it('uses whole days in the middle and hours at the edges', () => {
    const to = Date.UTC(2026, 10, 27, 12, 34);
    const from = to - 90 * day;
    const ranges = coverWindow(from, to, 'h');
    const covered = ranges.reduce((n, r) => n + (r.to - r.from), 0);
    expect(Math.abs(covered - 90 * day)).toBeLessThanOrEqual(hour);
    const days = ranges.filter((r) => r.res === 'd');
    expect(days).toHaveLength(1);
    expect((days[0]!.to - days[0]!.from) / day).toBe(89);
    // no overlap between ranges
    const sorted = [...ranges].sort((a, b) => a.from - b.from);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.from).toBeGreaterThanOrEqual(sorted[i - 1]!.to);
  });

  it('holds the bucket still filling at the end of the window, and no bucket twice', () => {
    // 12:10, a daemon started at 12:00: the hour from 12:00 is the only one with data
    const now = Date.UTC(2026, 10, 27, 12, 10);
    const week = coverWindow(now - 7 * day, now, 'h');
    expect(week.some((r) => r.res === 'h' && r.from <= now - 10 * 60_000 && r.to > now - 10 * 60_000)).toBe(
      true,
    );
    // back-to-back windows split at 12:10 take the 12:00 hour once, in the window that ends there
    const next = coverWindow(now, now + day, 'h');
    const hour12 = Date.UTC(2026, 10, 27, 12);
    const holds = (rs: typeof week) => rs.some((r) => r.res === 'h' && r.from <= hour12 && r.to > hour12);
    expect([holds(week), holds(next)]).toEqual([true, false]);
    // the same at minute precision: 20 seconds into a minute
    const young = Date.UTC(2026, 10, 27, 12, 0, 20);
    expect(coverWindow(young - day, young, 'm').at(-1)).toMatchObject({ res: 'm', to: young + 40_000 });
  });

  it('is minute-exact for a 24h window', () => {
    const to = Date.UTC(2026, 10, 27, 12, 34);
    const ranges = coverWindow(to - day, to, 'm');
    expect(ranges.reduce((n, r) => n + (r.to - r.from), 0)).toBe(day);
  });
});

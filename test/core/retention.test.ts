import { describe, expect, it } from 'vitest';
import {
  applyRetention,
  isoWeek,
  type KeepPolicy,
  type RetentionCandidate,
} from '../../src/core/retention.js';

const at = (iso: string) => Date.parse(iso);
const ok = (iso: string, extra: Partial<RetentionCandidate> = {}): RetentionCandidate => ({
  id: iso,
  time: at(iso),
  complete: true,
  ...extra,
});
const kept = (backups: RetentionCandidate[], policy: KeepPolicy, tz = 'UTC') =>
  applyRetention(backups, policy, tz)
    .filter((d) => d.keep)
    .map((d) => d.id);

// A history in the spirit of restic's documentation: one backup a day at noon, some days twice.
const history = [
  '2026-01-01T12:00:00Z',
  '2026-01-02T12:00:00Z',
  '2026-01-03T12:00:00Z',
  '2026-01-03T18:00:00Z',
  '2026-01-04T12:00:00Z',
  '2026-01-05T12:00:00Z',
  '2026-01-06T12:00:00Z',
  '2026-01-07T12:00:00Z',
  '2026-01-08T08:00:00Z',
  '2026-01-08T12:00:00Z',
  '2026-01-12T12:00:00Z',
  '2026-02-15T12:00:00Z',
  '2026-03-15T12:00:00Z',
].map((t) => ok(t));

describe('applyRetention: restic forget semantics', () => {
  it.each<[string, KeepPolicy, string[]]>([
    ['keep-last keeps the newest n', { last: 2 }, ['2026-03-15T12:00:00Z', '2026-02-15T12:00:00Z']],
    [
      'keep-daily keeps the newest backup of each of the last n days that have one',
      { daily: 4 },
      ['2026-03-15T12:00:00Z', '2026-02-15T12:00:00Z', '2026-01-12T12:00:00Z', '2026-01-08T12:00:00Z'],
    ],
    [
      'keep-weekly counts ISO weeks (Monday 2026-01-05 starts week 2)',
      { weekly: 4 },
      ['2026-03-15T12:00:00Z', '2026-02-15T12:00:00Z', '2026-01-12T12:00:00Z', '2026-01-08T12:00:00Z'],
    ],
    [
      'keep-monthly keeps the newest of each month',
      { monthly: 3 },
      ['2026-03-15T12:00:00Z', '2026-02-15T12:00:00Z', '2026-01-12T12:00:00Z'],
    ],
    ['keep-yearly 1 keeps only the newest', { yearly: 1 }, ['2026-03-15T12:00:00Z']],
    [
      'rules combine with OR',
      { last: 1, monthly: 2, daily: 2 },
      ['2026-03-15T12:00:00Z', '2026-02-15T12:00:00Z'],
    ],
    [
      'keep-within is relative to the newest backup, not to now',
      { within: 40 * 86_400_000 },
      ['2026-03-15T12:00:00Z', '2026-02-15T12:00:00Z'],
    ],
    [
      'hourly distinguishes two backups of one day',
      { hourly: 4 },
      ['2026-03-15T12:00:00Z', '2026-02-15T12:00:00Z', '2026-01-12T12:00:00Z', '2026-01-08T12:00:00Z'],
    ],
    [
      '-1 is unlimited: every month',
      { monthly: -1 },
      ['2026-03-15T12:00:00Z', '2026-02-15T12:00:00Z', '2026-01-12T12:00:00Z'],
    ],
  ])('%s', (_name, policy, expected) => {
    expect(kept(history, policy)).toEqual(expected);
  });

  it('gives the rule that keeps each backup and why the others go', () => {
    const decisions = applyRetention(history.slice(0, 3), { last: 1, daily: 2 });
    expect(decisions.map((d) => [d.id.slice(0, 10), d.keep, d.reasons])).toEqual([
      ['2026-01-03', true, ['last', 'daily']],
      ['2026-01-02', true, ['daily']],
      ['2026-01-01', false, ['not kept by any rule']],
    ]);
  });

  it('keeps the oldest backup when a calendar rule has fewer buckets than it asked for', () => {
    const decisions = applyRetention(history.slice(0, 3), { daily: 7 });
    expect(decisions.every((d) => d.keep)).toBe(true);
    const few = applyRetention([ok('2026-01-01T10:00:00Z'), ok('2026-01-01T11:00:00Z')], { daily: 5 });
    expect(few.map((d) => d.reasons)).toEqual([['daily'], ['oldest (daily)']]);
  });

  it('buckets days in the policy time zone', () => {
    // 23:30 UTC on the 1st is already the 2nd in Berlin, in the same day as 10:00 UTC on the 2nd.
    const list = [ok('2026-01-01T23:30:00Z'), ok('2026-01-02T10:00:00Z'), ok('2026-01-01T10:00:00Z')];
    expect(kept(list, { daily: 2 }, 'UTC')).toEqual(['2026-01-02T10:00:00Z', '2026-01-01T23:30:00Z']);
    expect(kept(list, { daily: 2 }, 'Europe/Berlin')).toEqual([
      '2026-01-02T10:00:00Z',
      '2026-01-01T10:00:00Z',
    ]);
  });
});

describe('applyRetention: what trust needs', () => {
  it('refuses an empty policy', () => {
    expect(() => applyRetention(history, {})).toThrow(/empty keep policy/);
    expect(() => applyRetention(history, { daily: 0, within: 0 })).toThrow(/empty/);
  });

  it('counts only complete backups that did not fail verification', () => {
    const list = [
      ok('2026-01-03T12:00:00Z', { complete: false }),
      ok('2026-01-02T12:00:00Z', { verified: 'failed' }),
      ok('2026-01-01T12:00:00Z'),
    ];
    expect(applyRetention(list, { last: 1 }).map((d) => [d.keep, d.reasons])).toEqual([
      [false, ['incomplete']],
      [false, ['failed verification']],
      [true, ['last']],
    ]);
  });

  it('never deletes the newest verified-good backup', () => {
    const list = [
      ok('2026-01-03T12:00:00Z'),
      ok('2026-01-02T12:00:00Z'),
      ok('2026-01-01T12:00:00Z', { verified: 'ok' }),
    ];
    expect(applyRetention(list, { last: 1 }).map((d) => [d.keep, d.reasons])).toEqual([
      [true, ['last']],
      [false, ['not kept by any rule']],
      [true, ['newest verified backup']],
    ]);
  });

  it('after a failed backup the last good one stays', () => {
    // the failed run left only an incomplete entry; the good one is kept by keep-last
    const list = [ok('2026-01-02T02:00:00Z', { complete: false }), ok('2026-01-01T02:00:00Z')];
    expect(kept(list, { last: 1 })).toEqual(['2026-01-01T02:00:00Z']);
  });
});

describe('isoWeek', () => {
  it.each([
    [2026, 1, 1, 2026, 1],
    [2026, 1, 4, 2026, 1],
    [2026, 1, 5, 2026, 2],
    [2027, 1, 1, 2026, 53],
    [2024, 12, 30, 2025, 1],
    [2021, 1, 3, 2020, 53],
  ])('%i-%i-%i is %i-W%i', (y, m, d, wy, w) => {
    expect(isoWeek(y, m, d)).toEqual([wy, w]);
  });
});

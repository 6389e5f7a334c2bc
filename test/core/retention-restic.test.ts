import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention, type KeepPolicy } from '../../src/core/retention.js';

const restic = spawnSync('restic', ['version']).status === 0;
if (!restic) {
  if (process.env.CI === 'true')
    throw new Error('restic is the oracle of the retention tests and must be installed under CI');
  console.warn('skipping the restic differential test: restic is not installed');
}

// One backup a day at noon with a second on some days, then weekly and monthly gaps.
const times = [
  '2026-01-01T12:00:00Z',
  '2026-01-02T12:00:00Z',
  '2026-01-03T12:00:00Z',
  '2026-01-03T18:00:00Z',
  '2026-01-04T12:00:00Z',
  '2026-01-05T12:00:00Z',
  '2026-01-06T12:00:00Z',
  '2026-01-08T08:00:00Z',
  '2026-01-08T12:00:00Z',
  '2026-01-12T12:00:00Z',
  '2026-01-19T12:00:00Z',
  '2026-02-15T12:00:00Z',
  '2026-03-15T12:00:00Z',
];

/**
 * Differential: the same history through `restic forget --dry-run` and Vigil's
 * retention. Policies whose calendar rules all find their count of buckets, so
 * restic before and after 0.17 (which also keeps the oldest snapshot when a rule
 * falls short) give the same answer.
 */
describe.skipIf(!restic)('retention agrees with restic forget', () => {
  let dir: string;
  const env = { ...process.env, RESTIC_PASSWORD: 'vigil-test', TZ: 'UTC', RESTIC_CACHE_DIR: '' };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-restic-'));
    const repo = path.join(dir, 'repo');
    env.RESTIC_CACHE_DIR = path.join(dir, 'cache');
    writeFileSync(path.join(dir, 'data.txt'), 'x');
    execFileSync('restic', ['init', '-q', '-r', repo], { env });
    for (const t of times) {
      const local = t.replace('T', ' ').replace('Z', '');
      execFileSync(
        'restic',
        ['backup', '-q', '-r', repo, '--host', 'h', '--time', local, path.join(dir, 'data.txt')],
        {
          env,
        },
      );
    }
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each<[KeepPolicy, string[]]>([
    [{ last: 3 }, ['--keep-last', '3']],
    [{ hourly: 5 }, ['--keep-hourly', '5']],
    [{ daily: 4 }, ['--keep-daily', '4']],
    [{ weekly: 3 }, ['--keep-weekly', '3']],
    [{ monthly: 2 }, ['--keep-monthly', '2']],
    [{ yearly: 1 }, ['--keep-yearly', '1']],
    [
      { last: 2, daily: 5, weekly: 3, monthly: 2 },
      ['--keep-last', '2', '--keep-daily', '5', '--keep-weekly', '3', '--keep-monthly', '2'],
    ],
    [{ within: 60 * 86_400_000 }, ['--keep-within', '60d']],
    [{ daily: 3, within: 30 * 86_400_000 }, ['--keep-daily', '3', '--keep-within', '30d']],
  ])('%j', (policy, flags) => {
    const out = execFileSync(
      'restic',
      ['forget', '-r', path.join(dir, 'repo'), '--dry-run', '--json', ...flags],
      {
        env,
        encoding: 'utf8',
      },
    );
    const groups = JSON.parse(out) as { keep: { time: string }[] }[];
    const resticKept = groups.flatMap((g) => g.keep.map((s) => new Date(s.time).toISOString())).sort();
    const ours = applyRetention(
      times.map((t) => ({ id: t, time: Date.parse(t), complete: true })),
      policy,
    )
      .filter((d) => d.keep)
      .map((d) => new Date(d.time).toISOString())
      .sort();
    expect(ours).toEqual(resticKept);
  });
});

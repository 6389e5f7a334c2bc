import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types, shared with the benchmark
import { generateLog } from '../../bench/gen-logs.mjs';
import { linearRegex } from '../../src/core/linear-regex.js';
import { scanLogs } from '../../src/logs/scan.js';

// The scan's counts against GNU grep's on the same file. grep -w has Vigil's notion of a word (letters,
// digits, "_"), so lines like ERRORS_TOTAL=0 count for neither; a line with both levels counts once
// in both. Split into byte ranges (as a large file is, one per thread) the counts and the
// fingerprints must be those of one pass.
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-logs-grep-'));
const now = Date.UTC(2026, 11, 1, 12, 0, 0);
const file = path.join(dir, 'app.log');
generateLog(file, 6 << 20, now - 60_000, 86_400_000);
const t = (s: number) => new Date(now - s * 1000).toISOString();
appendFileSync(
  file,
  [
    `${t(50)} INFO ERRORS_TOTAL=0 FATALITY none\r\n`,
    `${t(40)} ERROR\tcrlf line with a tab\r\n`,
    `${t(30)} WARN retrying; last ERROR was FATAL for job 7\n`,
    `${t(20)} ERROR a line longer than the read buffer ${'x'.repeat(1_500_000)} FATAL\n`,
    `${t(15)} INFO ünïcödé ERROR näher 42 Fehler\n`,
    `${t(10)} FATAL the last line has no newline`,
  ].join(''),
);

const grep = (...args: string[]) =>
  Number(
    execFileSync('grep', ['-c', ...args, file])
      .toString()
      .trim(),
  );
const since = now - 2 * 86_400_000;

describe('log scan counts equal grep -w on the same file', () => {
  it('one fixed pattern, the default levels, and both split into ranges', async () => {
    const errorWords = grep('-w', '-F', 'ERROR');
    const levelWords = grep('-w', '-E', 'ERROR|FATAL');
    expect(errorWords).toBeGreaterThan(1000);

    const one = await scanLogs([file], { since, now, threads: 1 });
    expect(one.counts.error! + one.counts.fatal!).toBe(levelWords);

    const split = await scanLogs([file], { since, now, threads: 4, minRangeBytes: 1 << 20 });
    expect(split.counts).toEqual(one.counts);
    expect(split.truncated).toBe(one.truncated);
    expect(split.distinctTemplates).toBe(one.distinctTemplates);
    expect(split.fingerprints).toEqual(one.fingerprints);

    // `--match` with a literal keeps the word rule; with an expression it is the expression alone
    const literal = await scanLogs([file], {
      since,
      now,
      match: 'ERROR',
      threads: 4,
      minRangeBytes: 1 << 20,
    });
    expect(literal.counts.match).toBe(errorWords);
    const regex = await scanLogs([file], {
      since,
      now,
      // a class makes it an expression, not a list of words: the worker compiles it again
      match: linearRegex('card_declined|time[o]ut'),
      threads: 3,
      minRangeBytes: 1 << 20,
    });
    expect(regex.counts.match).toBe(grep('-E', 'card_declined|time[o]ut'));
  });

  it('a window that starts inside the file leaves out the same lines split or not', async () => {
    const late = now - 6 * 3_600_000;
    const one = await scanLogs([file], { since: late, now, threads: 1 });
    const split = await scanLogs([file], { since: late, now, threads: 4, minRangeBytes: 1 << 20 });
    expect(split.counts).toEqual(one.counts);
    expect(split.fingerprints).toEqual(one.fingerprints);
    expect(one.counts.error).toBeLessThan((await scanLogs([file], { since, now })).counts.error!);
  });
});

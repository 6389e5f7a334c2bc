import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseSize, roughDuration } from '../../src/core/duration.js';
import { until, roughDuration as webRough } from '../../web/src/format.js';

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1.5s', 1500],
    ['0', 0],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['5 minutes', '5', '', 'm5', '1h 30m', '-5s', '5x'])('refuses %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it('formats the shortest exact form and round-trips', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    for (const ms of [1, 999, 1000, 61_000, 86_400_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('sizes', () => {
  it.each([
    ['100MB', 100e6],
    ['1GiB', 1024 ** 3],
    ['512k', 512 * 1024],
    ['42', 42],
    ['1.5KB', 1500],
  ])('%s is %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each(['ten MB', '10 parsecs', ''])('refuses %j', (text) => expect(parseSize(text)).toBeUndefined());
});

describe('countdowns', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [45_000, '45s'],
    [12 * 60_000 + 59_000, '12m'],
    [2 * 3_600_000, '2h'],
    [2 * 3_600_000 + 5 * 60_000 + 59_242, '2h 5m'],
    [(3 * 24 + 4) * 3_600_000 + 59 * 60_000, '3d 4h'],
    [9 * 86_400_000, '9d'],
  ];
  it('read as two units at most, "3d 4h", never "1h59m59s242ms"', () => {
    for (const [ms, text] of cases) expect(roughDuration(ms)).toBe(text);
  });
  it('read the same in the dashboard as in the CLI', () => {
    for (const [ms] of cases) expect(webRough(ms)).toBe(roughDuration(ms));
    expect(until(Date.UTC(2026, 0, 4, 4), Date.UTC(2026, 0, 1))).toBe('in 3d 4h');
    expect(until(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1, 0, 12))).toBe('12m ago');
  });
});

/**
 * The field helpers every section of vigil.yaml is built from (durations, sizes, crons, time
 * zones, labels): the leaf of src/config/, imported by each section's schema and by the kinds'
 * own schemas, importing nothing of the config itself.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { formatDuration, parseDuration, parseSize } from '../core/duration.js';

/**
 * The longest wait a timer-backed setting may ask for: Node's timers stop at 2^31−1 ms (about
 * 24.8 days), so timeouts and notification group timers are refused past 24 days at load time.
 */
export const maxTimerWait = 24 * 86_400_000;

/** A duration field: `30s`, `5m`, `1h30m`; parsed to milliseconds. */
export function duration(opts: { min?: number; max?: number } = {}) {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not a duration`,
        params: { hint: 'write durations as 250ms, 30s, 5m, 1h, 1d or 1w (combine: 1h30m)' },
      });
      return z.NEVER;
    }
    if (opts.min !== undefined && ms < opts.min) {
      ctx.addIssue({
        code: 'custom',
        message: `${text} is shorter than the minimum of ${formatDuration(opts.min)}`,
      });
      return z.NEVER;
    }
    if (opts.max !== undefined && ms > opts.max) {
      ctx.addIssue({
        code: 'custom',
        message: `${text} is longer than the maximum of ${formatDuration(opts.max)}`,
        params: { hint: `at most ${formatDuration(opts.max)}` },
      });
      return z.NEVER;
    }
    return ms;
  });
}

/** A size field: `100MB`, `1GiB`, or a number of bytes; parsed to bytes. */
export function size() {
  return z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
    if (typeof v === 'number') return v;
    const bytes = parseSize(v);
    if (bytes === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${v}" is not a size`,
        params: { hint: 'write sizes as 512KB, 100MB, 1GiB or a number of bytes' },
      });
      return z.NEVER;
    }
    return bytes;
  });
}

export const labelsSchema = z.record(
  z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names are letters, digits and _'),
  z.string(),
);

/**
 * A five-field cron expression (minute hour day-of-month month day-of-week), checked by croner,
 * the library that schedules it. `example` goes into the hint.
 */
export function cron(example: string) {
  return z.string().superRefine((expr, ctx) => {
    const fields = expr.trim().split(/\s+/).length;
    if (fields !== 5) {
      ctx.addIssue({
        code: 'custom',
        message: `a cron expression has 5 fields, not ${fields}`,
        params: { hint: `minute hour day-of-month month day-of-week, e.g. "${example}" (no seconds field)` },
      });
      return;
    }
    try {
      new Cron(expr, { paused: true });
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid cron expression: ${(e as Error).message}`,
        params: { hint: `five fields: "${example}"` },
      });
    }
  });
}

/** Whether the runtime knows this IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name such as `Europe/Berlin`. */
export const timeZone = z
  .string()
  .refine(isTimeZone, { message: 'not an IANA time zone', params: { hint: 'e.g. Europe/Berlin or UTC' } });

import { z } from 'zod';
import { dayRange, type FreezeSpec, parseDate, type WindowSpec, zonedTime } from '../core/windows.js';
import { compileMatchers, parseMatcher } from '../notify/matchers.js';
import { cron as cronField, duration, timeZone } from './types.js';

/**
 * The `changes:` block: deployment windows, freezes, named calendars, what the gate requires,
 * who hears about changes, and maintenance windows. Compiled at load time into the shapes the
 * pure engine in core/windows.ts takes, so a bad date or cron fails `vigil validate`, not a deploy.
 */

const timezone = timeZone;
const cron = cronField('0 22 * * 1-4');

/** A positive duration; a leading minus gets its own message rather than "not a duration". */
const windowDuration = z
  .string()
  .superRefine((text, ctx) => {
    if (text.trim().startsWith('-'))
      ctx.addIssue({
        code: 'custom',
        message: `a window cannot last ${text}: durations are positive`,
        params: { hint: 'write how long the window stays open, e.g. 4h' },
      });
  })
  .pipe(duration({ min: 60_000 }));

const date = z.string().refine((s) => parseDate(s) !== undefined, {
  message: 'not a date',
  params: { hint: 'YYYY-MM-DD, e.g. 2026-12-24 (a whole day in changes.timezone)' },
});

const names = z.array(z.string().min(1)).optional();
const selector = { services: names, environments: names };

const occurrence = z.strictObject({ cron, duration: windowDuration, timezone: timezone.optional() });

const windowSchema = z.strictObject({
  name: z.string().min(1),
  allow: occurrence.optional(),
  deny: occurrence.optional(),
  ...selector,
});

const rangeSchema = z.strictObject({ from: date, until: date });

const freezeSchema = z.strictObject({
  name: z.string().min(1),
  from: date.optional(),
  until: date.optional(),
  /** a name under changes.calendars: every date in it is frozen */
  calendar: z.string().min(1).optional(),
  ...selector,
});

/** `YYYY-MM-DDTHH:MM` in changes.timezone, or an ISO 8601 instant with Z or an offset. */
const instant = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}$/.test(s) || hasOffset(s), {
  message: 'not a time',
  params: { hint: '2026-12-01T03:00 (in changes.timezone) or 2026-12-01T02:00:00Z' },
});
const hasOffset = (s: string) => /(Z|[+-]\d{2}:?\d{2})$/.test(s) && !Number.isNaN(Date.parse(s));

const maintenanceSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a name is letters, digits, "_", "-" and "."'),
  /** what the status page shows; internal details (matchers, checks) stay internal */
  title: z.string().min(1).optional(),
  cron: cron.optional(),
  duration: windowDuration.optional(),
  timezone: timezone.optional(),
  from: instant.optional(),
  until: instant.optional(),
  /** alert matchers silenced for the duration, as `vigil silence add` takes them */
  silence: z.array(z.string().min(1)).default([]),
  /** checks whose results in the window count as maintenance, not up or down */
  checks: z.array(z.string().min(1)).default([]),
  ...selector,
});

export const changesSchema = z.strictObject({
  /** the zone of freeze dates and the default zone of windows */
  timezone: timezone.default('UTC'),
  /** the service names the gate accepts; empty: the `service` labels of checks plus window selectors */
  services: z.array(z.string().min(1)).default([]),
  windows: z.array(windowSchema).default([]),
  freezes: z.array(freezeSchema).default([]),
  calendars: z.record(z.string(), z.array(z.union([date, rangeSchema]))).default({}),
  require: z
    .strictObject({
      /** a change must name a record whose rollback plan is complete */
      rollback_plan: z.boolean().default(false),
      /** alert severities that, firing for the service, deny the gate */
      no_firing: z.array(z.string().min(1)).default(['critical']),
      /** an open (or acknowledged) incident denies the gate */
      no_open_incident: z.boolean().default(true),
    })
    .prefault({}),
  /** notification channels that hear about planned, started and finished changes */
  announce: z.array(z.string().min(1)).default([]),
  /** reminders this long before a planned change starts */
  remind: z.array(duration({ min: 60_000 })).default([]),
  maintenance: z.array(maintenanceSchema).default([]),
});

export type ChangesInput = z.output<typeof changesSchema>;

export interface MaintenanceSpec {
  name: string;
  title: string;
  /** recurring: cron + duration in a zone; one-off: a single range */
  window: WindowSpec | { startsAt: number; endsAt: number };
  silence: string[];
  checks: string[];
  services: readonly string[];
}

export interface CompiledChanges {
  timezone: string;
  windows: WindowSpec[];
  freezes: FreezeSpec[];
  maintenance: MaintenanceSpec[];
}

type Ctx = Pick<z.RefinementCtx, 'addIssue'>;

/**
 * Cross-field rules, reported at the offending key (called from the config's superRefine):
 * one of allow/deny per window, freezes not written backwards, known calendars and channels,
 * matchers that parse, maintenance with either cron + duration or from + until.
 */
export function checkChanges(c: ChangesInput, channels: readonly string[], ctx: Ctx): void {
  const at = (...path: (string | number)[]) => ['changes', ...path];
  c.windows.forEach((w, i) => {
    if ((w.allow === undefined) === (w.deny === undefined))
      ctx.addIssue({
        code: 'custom',
        path: at('windows', i),
        message: `window "${w.name}" needs exactly one of allow or deny`,
        params: { hint: 'e.g. allow: { cron: "0 22 * * 1-4", duration: 4h }' },
      });
  });
  const backwards = (from: string, until: string, path: (string | number)[]) => {
    if (from > until)
      ctx.addIssue({
        code: 'custom',
        path,
        message: `this range is written backwards: from ${from} is after until ${until}`,
        params: { hint: 'swap from and until (until is inclusive: the whole day)' },
      });
  };
  c.freezes.forEach((f, i) => {
    const range = f.from !== undefined || f.until !== undefined;
    if (range === (f.calendar !== undefined) || (range && (f.from === undefined || f.until === undefined)))
      ctx.addIssue({
        code: 'custom',
        path: at('freezes', i),
        message: `freeze "${f.name}" needs from + until, or a calendar`,
        params: { hint: 'from: 2026-12-20, until: 2027-01-04 (both whole days), or calendar: <name>' },
      });
    else if (f.from !== undefined && f.until !== undefined)
      backwards(f.from, f.until, at('freezes', i, 'until'));
    if (f.calendar !== undefined && !(f.calendar in c.calendars))
      ctx.addIssue({
        code: 'custom',
        path: at('freezes', i, 'calendar'),
        message: `no calendar named "${f.calendar}"`,
        params: {
          hint: `calendars: ${Object.keys(c.calendars).join(', ') || 'none (add one under changes.calendars)'}`,
        },
      });
  });
  for (const [name, days] of Object.entries(c.calendars))
    days.forEach((d, i) => {
      if (typeof d !== 'string') backwards(d.from, d.until, at('calendars', name, i, 'until'));
    });
  c.announce.forEach((name, i) => {
    if (!channels.includes(name))
      ctx.addIssue({
        code: 'custom',
        path: at('announce', i),
        message: `no channel named "${name}"`,
        params: { hint: `channels: ${channels.join(', ') || 'none (add one under notify:)'}` },
      });
  });
  const seen = new Set<string>();
  c.maintenance.forEach((m, i) => {
    if (seen.has(m.name))
      ctx.addIssue({ code: 'custom', path: at('maintenance', i, 'name'), message: `duplicate "${m.name}"` });
    seen.add(m.name);
    const recurring = m.cron !== undefined || m.duration !== undefined;
    const oneOff = m.from !== undefined || m.until !== undefined;
    if (
      recurring === oneOff ||
      (recurring && (m.cron === undefined || m.duration === undefined)) ||
      (oneOff && (m.from === undefined || m.until === undefined))
    )
      ctx.addIssue({
        code: 'custom',
        path: at('maintenance', i),
        message: `maintenance "${m.name}" needs cron + duration, or from + until`,
        params: {
          hint: 'cron: "0 3 * * 0", duration: 1h — or from: 2026-12-01T03:00, until: 2026-12-01T05:00',
        },
      });
    else if (oneOff && instantOf(m.from!, c.timezone) >= instantOf(m.until!, c.timezone))
      ctx.addIssue({
        code: 'custom',
        path: at('maintenance', i, 'until'),
        message: `maintenance "${m.name}" ends before it starts`,
        params: { hint: 'until is the end of the maintenance, after from' },
      });
    const parsed = m.silence.map((text, j) => {
      const matcher = parseMatcher(text);
      if (typeof matcher === 'string')
        ctx.addIssue({
          code: 'custom',
          path: at('maintenance', i, 'silence', j),
          message: matcher,
          params: { hint: 'name="value", name!="value", name=~"regex" or name!~"regex"' },
        });
      return matcher;
    });
    const matchers = parsed.filter((p) => typeof p !== 'string');
    // Alertmanager's rule, as `vigil silence add` applies it: never silence everything.
    if (matchers.length && matchers.length === parsed.length && compileMatchers(matchers)({}))
      ctx.addIssue({
        code: 'custom',
        path: at('maintenance', i, 'silence'),
        message: 'these matchers match every alert',
        params: { hint: 'add a matcher that names something, e.g. check="orders-db"' },
      });
  });
}

function instantOf(text: string, zone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(text);
  if (m) return zonedTime(zone, +m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!);
  return Date.parse(text);
}

/** The block in the shapes core/windows.ts decides with; call only on a validated config. */
export function compileChanges(c: ChangesInput): CompiledChanges {
  const zone = c.timezone;
  const windows = c.windows.map((w): WindowSpec => {
    const o = (w.allow ?? w.deny)!;
    return {
      name: w.name,
      kind: w.allow ? 'allow' : 'deny',
      cron: o.cron,
      durationMs: o.duration,
      timezone: o.timezone ?? zone,
      services: w.services,
      environments: w.environments,
    };
  });
  const freezes = c.freezes.map((f): FreezeSpec => {
    const days =
      f.calendar !== undefined
        ? (c.calendars[f.calendar] ?? []).map((d) => (typeof d === 'string' ? { from: d, until: d } : d))
        : [{ from: f.from!, until: f.until! }];
    return {
      name: f.name,
      ranges: days.map((d) => dayRange(d.from, d.until, zone)),
      services: f.services,
      environments: f.environments,
    };
  });
  const maintenance = c.maintenance.map(
    (m): MaintenanceSpec => ({
      name: m.name,
      title: m.title ?? m.name,
      window:
        m.cron !== undefined
          ? {
              name: m.name,
              kind: 'deny',
              cron: m.cron,
              durationMs: m.duration!,
              timezone: m.timezone ?? zone,
            }
          : { startsAt: instantOf(m.from!, zone), endsAt: instantOf(m.until!, zone) },
      silence: m.silence,
      checks: m.checks,
      services: m.services ?? [],
    }),
  );
  return { timezone: zone, windows, freezes, maintenance };
}

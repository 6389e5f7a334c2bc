import { z } from 'zod';
import { guideAlertSchema } from '../alerting/rule-schema.js';
import { LOCAL, type QuorumSpec, quorumCount } from '../checks/quorum.js';
import { type CheckKindName, checkKindNames, checkKinds } from '../checks/registry.js';
import type { Schedule } from '../core/schedule.js';
import { logEntrySchema } from '../logs/rotate-config.js';
import { channelOf, checkNotify, notifyFields } from '../notify/config.js';
import { backupsSchema } from './backups.js';
import { changesSchema, checkChanges } from './changes.js';
import { clusterSchema } from './cluster.js';
import { maintenanceSchema } from './maintenance.js';
import { checkOncall, oncallSchema } from './oncall.js';
import { querySchema } from './query.js';
import { checkRoutines, routinesSchema } from './routines.js';
import { serverSchema } from './server.js';
import { checkStatusPage, statusPageSchema } from './status-page.js';
import { cron, duration, labelsSchema, maxTimerWait, timeZone } from './types.js';

export const defaultEveryMs = 30_000;
export const defaultTimeoutMs = 10_000;

const kindFields = Object.fromEntries(checkKindNames.map((k) => [k, checkKinds[k].schema.optional()])) as {
  [K in CheckKindName]: z.ZodOptional<(typeof checkKinds)[K]['schema']>;
};

const checkObject = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a check name is letters, digits, "_", "-" and "."'),
  every: duration({ min: 1000 }).optional(),
  cron: cron('0 8 * * 1-5').optional(),
  timezone: timeZone.optional(),
  timeout: duration({ min: 1, max: maxTimerWait }).optional(),
  labels: labelsSchema.default({}),
  /** what the public status page calls it, instead of its name ("Checkout", not "shop-api") */
  display_name: z.string().min(1).max(100).optional(),
  /** one line under it on the public status page: what it means for the people reading */
  description: z.string().min(1).max(300).optional(),
  /** where the check runs: `local` is this server, any other name a `vigil probe --location` agent */
  locations: z
    .array(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a location is letters, digits, "_", "-" and "."'),
    )
    .min(1)
    .optional(),
  /** how many locations must see the check fail for it to be down: majority (default), all, any, or N */
  quorum: z.union([z.enum(['majority', 'all', 'any']), z.number().int().min(1)]).optional(),
  ...kindFields,
});

/** Kinds that probe a service over the network, and so mean the same thing from another place. */
export const remoteKinds: readonly CheckKindName[] = ['http', 'tcp', 'tls', 'dns'];

export interface CheckConfig {
  name: string;
  kind: CheckKindName;
  spec: unknown;
  schedule: Schedule;
  timeoutMs: number;
  labels: Readonly<Record<string, string>>;
  /** set when the check runs from several places (`local` is this server) */
  locations?: readonly string[];
  /** with locations: how many must see the check fail for it to be down */
  quorum?: number;
  /** the quorum as written, for the API */
  quorumSpec?: QuorumSpec;
  /** the public status page's name and line for it */
  displayName?: string;
  description?: string;
}

const checkSchema = checkObject.transform((c, ctx): CheckConfig => {
  const kinds = checkKindNames.filter((k) => c[k] !== undefined);
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message:
        kinds.length === 0
          ? `check "${c.name}" has no kind`
          : `check "${c.name}" has ${kinds.length} kinds (${kinds.join(', ')})`,
      params: {
        hint: `give exactly one of: ${checkKindNames.join(', ')}`,
        ifNoUnknownKey: kinds.length === 0,
      },
    });
    return z.NEVER;
  }
  if (c.every !== undefined && c.cron !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'both every and cron are set',
      params: { hint: 'a check runs either every <duration> or on a cron schedule' },
    });
    return z.NEVER;
  }
  const kind = kinds[0]!;
  const schedule: Schedule =
    c.cron !== undefined
      ? { type: 'cron', expr: c.cron, timezone: c.timezone }
      : { type: 'every', everyMs: c.every ?? defaultEveryMs };
  const timeoutMs =
    c.timeout ?? Math.min(defaultTimeoutMs, schedule.type === 'every' ? schedule.everyMs : Infinity);
  if (schedule.type === 'every' && timeoutMs > schedule.everyMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['timeout'],
      message: `timeout ${c.timeout}ms is longer than the interval ${schedule.everyMs}ms`,
      params: { hint: 'a run must end before the next one is due: lower timeout or raise every' },
    });
    return z.NEVER;
  }
  const base = {
    name: c.name,
    kind,
    spec: c[kind],
    schedule,
    timeoutMs,
    labels: c.labels,
    ...(c.display_name === undefined ? {} : { displayName: c.display_name }),
    ...(c.description === undefined ? {} : { description: c.description }),
  };
  if (c.locations === undefined) {
    if (c.quorum !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['quorum'],
        message: 'quorum is set but locations is not',
        params: { hint: 'a quorum counts locations: add locations: [local, eu-west, …]' },
      });
      return z.NEVER;
    }
    return base;
  }
  const locations = c.locations;
  const twice = locations.find((l, i) => locations.indexOf(l) !== i);
  if (twice !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['locations'],
      message: `location "${twice}" is listed twice`,
      params: { hint: 'name each location once' },
    });
    return z.NEVER;
  }
  if (locations.some((l) => l !== LOCAL) && !remoteKinds.includes(kind)) {
    ctx.addIssue({
      code: 'custom',
      path: ['locations'],
      message: `a ${kind} check runs on this server only`,
      params: { hint: `probes run ${remoteKinds.join(', ')} checks; use locations: [local] or remove it` },
    });
    return z.NEVER;
  }
  const quorumSpec: QuorumSpec = c.quorum ?? 'majority';
  if (typeof quorumSpec === 'number' && quorumSpec > locations.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['quorum'],
      message: `quorum ${quorumSpec} is more than the ${locations.length} locations`,
      params: { hint: 'a quorum is at most the number of locations; or write all' },
    });
    return z.NEVER;
  }
  return { ...base, locations, quorum: quorumCount(quorumSpec, locations.length), quorumSpec };
});

const storageSchema = z.string().refine((s) => /^sqlite:/.test(s) || /^postgres(ql)?:\/\//.test(s), {
  message: 'storage must be sqlite:<path> or postgres://…',
  params: { hint: 'e.g. sqlite:./vigil.db or postgres://vigil@localhost/vigil' },
});

export const configSchema = z
  .strictObject({
    storage: storageSchema.default('sqlite:./vigil.db'),
    /**
     * `vigil up` also writes its own log (JSON lines) to this file, so a log check can read it and
     * rotation can keep it small; opened in append mode, read at start (rotate it with copytruncate)
     */
    log_file: z.string().min(1).optional(),
    server: serverSchema.prefault({}),
    scheduler: z
      .strictObject({
        /** runs in flight at once; slow checks may use at most half of them */
        concurrency: z.number().int().min(1).max(10_000).default(256),
      })
      .prefault({}),
    retention: z
      .strictObject({
        results: duration({ min: 3_600_000 }).prefault('30d'),
        samples: duration({ min: 3_600_000 }).prefault('15d'),
        minute_rollups: duration({ min: 3_600_000 }).prefault('2d'),
        hour_rollups: duration({ min: 86_400_000 }).prefault('95d'),
        day_rollups: duration({ min: 86_400_000 }).prefault('800d'),
      })
      .prefault({}),
    checks: z.array(checkSchema).default([]),
    /** how often alert rules are evaluated (Prometheus's global evaluation_interval) */
    evaluation_interval: duration({ min: 1000 }).prefault('30s'),
    /** the guide's alerts, verbatim: name, condition, duration, severity */
    alerts: z.array(guideAlertSchema).default([]),
    /** Prometheus rule files, as they are; globs relative to this file */
    rule_files: z.array(z.string().min(1)).default([]),
    /** what one PromQL query may cost (API and rules): samples, subquery steps, time */
    query: querySchema,
    /** several nodes on one PostgreSQL: lease length and shards */
    cluster: clusterSchema,
    ...notifyFields,
    /** log files Vigil rotates (and `vigil logs scan` reads by default) */
    logs: z.array(logEntrySchema).default([]),
    /** backup jobs, their retention and their verification schedules */
    backups: backupsSchema.prefault({}),
    /** deployment windows, freezes, the deploy gate's requirements, announcements, maintenance */
    changes: changesSchema.prefault({}),
    /** scheduled database and cleanup tasks; Vigil's own store is one of them */
    maintenance: maintenanceSchema,
    /** the guide's daily, weekly and monthly reviews: steps, sign-offs and a report */
    routines: routinesSchema,
    /** the public status page at /status: its title and the groups of checks it shows */
    status_page: statusPageSchema,
    /** people, on-call schedules and escalation policies a route's receiver may name */
    oncall: oncallSchema,
  })
  .superRefine((config, ctx) => {
    checkNotify(
      config,
      ctx,
      config.oncall.policies.map((p) => p.name),
    );
    checkOncall(
      { ...config.oncall, hasRouteTree: config.route !== undefined },
      new Map(config.notify.map((c) => [c.name, channelOf(c)])),
      ctx,
    );
    checkRoutines(config, ctx);
    checkStatusPage(config, ctx);
    checkChanges(
      config.changes,
      config.notify.map((c) => c.name),
      ctx,
    );
    const seen = new Map<string, number>();
    config.checks.forEach((check, i) => {
      const first = seen.get(check.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['checks', i, 'name'],
          message: `duplicate check name "${check.name}" (first at checks[${first}])`,
          params: { hint: 'check names identify history: make each unique' },
        });
      } else seen.set(check.name, i);
    });
    const alertNames = new Map<string, number>();
    config.alerts.forEach((alert, i) => {
      const key = `${alert.name}\u0000${alert.severity ?? ''}\u0000${JSON.stringify(alert.labels)}`;
      const first = alertNames.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['alerts', i, 'name'],
          message: `duplicate alert "${alert.name}" (first at alerts[${first}])`,
          params: { hint: 'the same name is fine with a different severity or labels; otherwise rename it' },
        });
      } else alertNames.set(key, i);
    });
  });

export type VigilConfig = z.output<typeof configSchema>;

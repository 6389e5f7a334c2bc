import { z } from 'zod';
import { type BackupSourceName, backupSourceNames, backupSources } from '../backup/registry.js';
import { isEmptyPolicy, type KeepPolicy } from '../core/retention.js';
import { cron as cronField, duration, size } from './types.js';

export const verifyLevels = ['checksum', 'read', 'restore'] as const;
export type VerifyLevel = (typeof verifyLevels)[number];

const cron = cronField('0 2 * * *');

const count = z.number().int().min(-1);
const keepSchema = z
  .strictObject({
    last: count.optional(),
    hourly: count.optional(),
    daily: count.optional(),
    weekly: count.optional(),
    monthly: count.optional(),
    yearly: count.optional(),
    within: duration({ min: 1 }).optional(),
  })
  .refine((k) => !isEmptyPolicy(k), {
    message: 'an empty keep policy would delete every backup',
    params: {
      hint: 'give at least one of last, hourly, daily, weekly, monthly, yearly, within (-1: unlimited)',
    },
  });

const verifySchema = z.strictObject({
  cron,
  level: z.enum(verifyLevels).default('restore'),
  /** where restore tests make their scratch database: a server URL (its own database is not touched) */
  restore_into: z.string().optional(),
  /** SQL returning true (for files: paths that must exist), run against the restored copy */
  assert: z.array(z.string().min(1)).default([]),
  /** tables and the fewest rows each must have after a restore */
  min_rows: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/), z.number().int().min(0)).default({}),
});
export type VerifySchedule = z.output<typeof verifySchema>;

const sourceFields = Object.fromEntries(
  backupSourceNames.map((k) => [k, backupSources[k].schema.optional()]),
) as { [K in BackupSourceName]: z.ZodOptional<(typeof backupSources)[K]['schema']> };

export interface BackupJob {
  name: string;
  source: BackupSourceName;
  spec: unknown;
  cron: string | undefined;
  keep: KeepPolicy | undefined;
  /** a dump smaller than this fails: an empty or truncated dump is not a backup */
  minSize: number;
  verify: VerifySchedule[];
}

const jobSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a job name is letters, digits, "_", "-" and "."'),
    cron: cron.optional(),
    keep: keepSchema.optional(),
    min_size: size().default(64),
    verify: z.union([verifySchema, z.array(verifySchema)]).default([]),
    ...sourceFields,
  })
  .transform((j, ctx): BackupJob => {
    const kinds = backupSourceNames.filter((k) => j[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? `backup job "${j.name}" has no source`
            : `backup job "${j.name}" has ${kinds.length} sources`,
        params: {
          hint: `give exactly one of: ${backupSourceNames.join(', ')}`,
          ifNoUnknownKey: kinds.length === 0,
        },
      });
      return z.NEVER;
    }
    const source = kinds[0]!;
    return {
      name: j.name,
      source,
      spec: j[source],
      cron: j.cron,
      keep: j.keep,
      minSize: j.min_size,
      verify: Array.isArray(j.verify) ? j.verify : [j.verify],
    };
  });

export const backupsSchema = z
  .strictObject({
    repository: z.string().min(1).default('./backups'),
    /** the zone of retention's calendar buckets and of the cron schedules */
    timezone: z
      .string()
      .refine(
        (zone) => {
          try {
            new Intl.DateTimeFormat('en', { timeZone: zone });
            return true;
          } catch {
            return false;
          }
        },
        { message: 'not an IANA time zone', params: { hint: 'e.g. Europe/Berlin or UTC' } },
      )
      .default('UTC'),
    jobs: z.array(jobSchema).default([]),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.jobs.forEach((j, i) => {
      if (seen.has(j.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['jobs', i, 'name'],
          message: `duplicate backup job "${j.name}"`,
          params: { hint: 'job names name the folders in the repository: make each unique' },
        });
      }
      seen.add(j.name);
    });
  });
export type BackupsConfig = z.output<typeof backupsSchema>;

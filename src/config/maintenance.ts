import { z } from 'zod';
import { type TaskKindName, taskKindNames, taskKinds } from '../maintenance/registry.js';
import { cron, duration, maxTimerWait, timeZone } from './types.js';

const kindFields = Object.fromEntries(taskKindNames.map((k) => [k, taskKinds[k].schema.optional()])) as {
  [K in TaskKindName]: z.ZodOptional<(typeof taskKinds)[K]['schema']>;
};

export interface MaintenanceTask {
  name: string;
  kind: TaskKindName;
  spec: unknown;
  cron: string;
  timezone: string;
  timeoutMs: number;
  /** added by Vigil for its own store, not written in vigil.yaml */
  builtin?: true;
}

const taskSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a task name is letters, digits, "_", "-" and "."'),
    cron: cron('0 4 * * 0'),
    timezone: timeZone.default('UTC'),
    /** the task is cancelled on its server past this */
    timeout: duration({ min: 100, max: maxTimerWait }).prefault('1h'),
    ...kindFields,
  })
  .transform((t, ctx): MaintenanceTask => {
    const kinds = taskKindNames.filter((k) => t[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: kinds.length ? `task "${t.name}" has ${kinds.length} kinds` : `task "${t.name}" has no kind`,
        params: { hint: `give exactly one of: ${taskKindNames.join(', ')}`, ifNoUnknownKey: !kinds.length },
      });
      return z.NEVER;
    }
    const kind = kinds[0]!;
    return { name: t.name, kind, spec: t[kind], cron: t.cron, timezone: t.timezone, timeoutMs: t.timeout };
  });

/** Vigil's own store, maintained nightly unless vigil.yaml has a store task of its own. */
export const builtinStoreTask: MaintenanceTask = {
  name: 'vigil-store',
  kind: 'store',
  spec: { prune: true, vacuum: true },
  cron: '30 3 * * *',
  timezone: 'UTC',
  timeoutMs: 3_600_000,
  builtin: true,
};

/** `maintenance:` in vigil.yaml: scheduled database and cleanup tasks, each run recorded. */
export const maintenanceSchema = z
  .array(taskSchema)
  .default([])
  .transform((tasks) => (tasks.some((t) => t.kind === 'store') ? tasks : [...tasks, builtinStoreTask]));

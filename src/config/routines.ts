import { z } from 'zod';
import { type StepKindName, stepKindNames, stepKinds } from '../routines/steps/registry.js';
import { cron, duration, timeZone } from './types.js';

const kindFields = Object.fromEntries(stepKindNames.map((k) => [k, stepKinds[k].schema.optional()])) as {
  [K in StepKindName]: z.ZodOptional<(typeof stepKinds)[K]['schema']>;
};

export interface RoutineStep {
  /** shown in the report and used by `vigil routine signoff <run> <step>` */
  name: string;
  kind: StepKindName;
  spec: unknown;
  /** a manual step not signed off this long after the run started is late */
  dueMs: number | undefined;
}

const stepSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a step name is letters, digits, "_", "-" and "."')
      .optional(),
    due: duration({ min: 60_000 }).optional(),
    ...kindFields,
  })
  .transform((s, ctx): Omit<RoutineStep, 'name'> & { name?: string } => {
    const kinds = stepKindNames.filter((k) => s[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: kinds.length
          ? `a step has ${kinds.length} kinds (${kinds.join(', ')})`
          : 'a step has no kind',
        params: { hint: `give exactly one of: ${stepKindNames.join(', ')}`, ifNoUnknownKey: !kinds.length },
      });
      return z.NEVER;
    }
    const kind = kinds[0]!;
    return { name: s.name, kind, spec: s[kind], dueMs: s.due };
  });

export const reportFormats = ['html', 'markdown', 'json'] as const;
export type ReportFormat = (typeof reportFormats)[number];

export interface Routine {
  name: string;
  cron: string;
  timezone: string;
  /** what the report covers; default: the time between two scheduled runs */
  periodMs: number | undefined;
  steps: RoutineStep[];
  report: { to: string[]; format: ReportFormat };
}

const routineSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a routine name is letters, digits, "_", "-" and "."'),
    cron: cron('0 8 * * 1-5'),
    timezone: timeZone.default('UTC'),
    period: duration({ min: 60_000 }).optional(),
    steps: z.array(stepSchema).min(1),
    report: z
      .strictObject({
        /** channels under notify: */
        to: z.array(z.string().min(1)).default([]),
        format: z.enum(reportFormats).default('html'),
      })
      .prefault({}),
  })
  .transform((r): Routine => {
    // Unnamed steps are named after their kind, numbered when a kind repeats.
    const used = new Map<string, number>();
    const steps = r.steps.map((s) => {
      let name = s.name;
      if (!name) {
        const n = (used.get(s.kind) ?? 0) + 1;
        used.set(s.kind, n);
        name = n === 1 ? s.kind : `${s.kind}-${n}`;
      }
      return { ...s, name };
    });
    return { name: r.name, cron: r.cron, timezone: r.timezone, periodMs: r.period, steps, report: r.report };
  });

/** `routines:` in vigil.yaml: the guide's daily, weekly and monthly reviews. */
export const routinesSchema = z.array(routineSchema).default([]);

interface CrossRefInput {
  checks: readonly { name: string }[];
  notify: readonly { name: string }[];
  maintenance: readonly { name: string }[];
  routines: readonly Routine[];
}

/** Names a routine refers to must exist: checks, channels, tasks; names must be unique. */
export function checkRoutines(config: CrossRefInput, ctx: z.RefinementCtx): void {
  const checks = new Set(config.checks.map((c) => c.name));
  const channels = new Set(config.notify.map((c) => c.name));
  const tasks = new Set(config.maintenance.map((t) => t.name));
  const seen = new Set<string>();
  config.routines.forEach((r, i) => {
    if (seen.has(r.name))
      ctx.addIssue({
        code: 'custom',
        path: ['routines', i, 'name'],
        message: `duplicate routine "${r.name}"`,
        params: { hint: 'routine names identify their runs: make each unique' },
      });
    seen.add(r.name);
    r.report.to.forEach((c, k) => {
      if (!channels.has(c))
        ctx.addIssue({
          code: 'custom',
          path: ['routines', i, 'report', 'to', k],
          message: `no channel named "${c}"`,
          params: { hint: `channels under notify: ${[...channels].join(', ') || 'none'}` },
        });
    });
    const stepNames = new Set<string>();
    r.steps.forEach((s, j) => {
      if (stepNames.has(s.name))
        ctx.addIssue({
          code: 'custom',
          path: ['routines', i, 'steps', j, 'name'],
          message: `duplicate step name "${s.name}"`,
          params: { hint: 'name each step: sign-offs refer to them by name' },
        });
      stepNames.add(s.name);
      const spec = s.spec as { checks?: unknown; tasks?: unknown } | string[] | string;
      const names = Array.isArray(spec)
        ? spec
        : typeof spec === 'object' && spec && Array.isArray(spec.checks)
          ? spec.checks
          : [];
      const at = Array.isArray(spec) ? [] : ['checks'];
      if (s.kind === 'checks' || s.kind === 'availability' || s.kind === 'performance')
        (names as string[]).forEach((n, k) => {
          if (!checks.has(n))
            ctx.addIssue({
              code: 'custom',
              path: ['routines', i, 'steps', j, s.kind, ...at, k],
              message: `no check named "${n}"`,
              params: { hint: `checks: ${[...checks].join(', ') || 'none'}` },
            });
        });
      if (
        s.kind === 'maintenance' &&
        typeof spec === 'object' &&
        spec &&
        !Array.isArray(spec) &&
        Array.isArray(spec.tasks)
      )
        (spec.tasks as string[]).forEach((n, k) => {
          if (!tasks.has(n))
            ctx.addIssue({
              code: 'custom',
              path: ['routines', i, 'steps', j, 'maintenance', 'tasks', k],
              message: `no maintenance task named "${n}"`,
              params: { hint: `tasks: ${[...tasks].join(', ') || 'none'}` },
            });
        });
    });
  });
  const taskNames = new Set<string>();
  config.maintenance.forEach((t, i) => {
    if (taskNames.has(t.name))
      ctx.addIssue({
        code: 'custom',
        path: ['maintenance', i, 'name'],
        message: `duplicate maintenance task "${t.name}"`,
      });
    taskNames.add(t.name);
  });
}

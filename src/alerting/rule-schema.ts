import { z } from 'zod';
import { duration, labelsSchema } from '../config/types.js';

/**
 * What happens when a condition returns no data, or fails to evaluate.
 * Prometheus's behaviour is `ok` for no data (alerts resolve) and keeping the
 * last state on error; these are opt-in per rule.
 */
export const noDataModes = z.enum(['ok', 'alerting', 'keep_last_state']);
export const onErrorModes = z.enum(['alerting', 'ok', 'keep_last_state']);

/** Vigil's extensions, accepted in both forms, beyond what Prometheus has. */
const extensions = {
  /** resolve only when this is true (hysteresis), e.g. `cpu_usage < 70%` for a `> 80%` alert */
  resolve_condition: z.string().min(1).optional(),
  no_data: noDataModes.optional(),
  on_error: onErrorModes.optional(),
};

/** The guide's alert, accepted verbatim in vigil.yaml under `alerts:`. */
export const guideAlertSchema = z.strictObject({
  name: z.string().min(1),
  /** PromQL, where `80%` is the number 0.8 */
  condition: z.union([z.string().min(1), z.number()]),
  /** how long the condition must hold before the alert fires: Prometheus's `for` */
  duration: duration().optional(),
  keep_firing_for: duration().optional(),
  severity: z.string().min(1).optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  labels: labelsSchema.default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  ...extensions,
});

export type GuideAlert = z.output<typeof guideAlertSchema>;

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** One rule in a Prometheus rule file, validated as strictly as Prometheus does. */
const promRuleSchema = z
  .strictObject({
    alert: z.string().min(1).optional(),
    record: z.string().regex(metricName, 'a recording rule name must be a valid metric name').optional(),
    expr: z.union([z.string().min(1), z.number()]),
    for: duration().optional(),
    keep_firing_for: duration().optional(),
    labels: z
      .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'invalid label name'), z.string())
      .default({}),
    annotations: z.record(z.string(), z.string()).default({}),
    ...extensions,
  })
  .superRefine((r, ctx) => {
    if ((r.alert === undefined) === (r.record === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a rule needs exactly one of alert: or record:',
        params: { hint: 'alert: <name> for an alerting rule, record: <metric> for a recording rule' },
      });
    }
    if (r.record !== undefined) {
      for (const key of ['for', 'keep_firing_for', 'resolve_condition', 'no_data', 'on_error'] as const) {
        if (r[key] !== undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} is only for alerting rules` });
      }
      if (Object.keys(r.annotations).length) {
        ctx.addIssue({
          code: 'custom',
          path: ['annotations'],
          message: 'annotations are only for alerting rules',
        });
      }
    }
  });

export type PromRule = z.output<typeof promRuleSchema>;

export const ruleFileSchema = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        interval: duration({ min: 1 }).optional(),
        query_offset: duration().optional(),
        limit: z.number().int().min(0).optional(),
        labels: labelsSchema.optional(),
        rules: z.array(promRuleSchema).default([]),
      }),
    )
    .default([])
    .superRefine((groups, ctx) => {
      const seen = new Set<string>();
      groups.forEach((g, i) => {
        if (seen.has(g.name)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            message: `groupname: "${g.name}" is repeated in the same file`,
          });
        }
        seen.add(g.name);
      });
    }),
});

export type RuleFile = z.output<typeof ruleFileSchema>;

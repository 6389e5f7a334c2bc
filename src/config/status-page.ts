import { z } from 'zod';
import { duration, labelsSchema } from './types.js';

/**
 * The public status page: which checks it shows, in which groups. A group names
 * its checks or matches them by labels; nothing else about a check (target,
 * message, host) is ever shown there.
 */
const statusGroup = z
  .strictObject({
    name: z.string().min(1),
    /** one line under the group's name on the page */
    description: z.string().min(1).max(300).optional(),
    checks: z.array(z.string().min(1)).optional(),
    match: labelsSchema.optional(),
  })
  .refine((g) => (g.checks === undefined) !== (g.match === undefined), {
    message: 'a status page group has either checks or match',
    params: { hint: 'checks: [api, web] or match: { tier: public }' },
  });

export const statusPageSchema = z
  .strictObject({
    title: z.string().min(1).default('Service status'),
    groups: z.array(statusGroup).default([]),
    /** who carries what subscribers get: incident updates, maintenance, planned changes */
    subscribers: z
      .strictObject({
        /** an e-mail channel under notify: whose relay mails subscribers (each gets their own message) */
        email: z.string().min(1).optional(),
        /** a webhook channel under notify: its timeouts carry posts to subscribers' URLs */
        webhook: z.string().min(1).optional(),
        /** also tell subscribers of planned changes: planned, started, finished, rolled back */
        changes: z.boolean().default(false),
        /** how long before scheduled maintenance (changes.maintenance) subscribers are told; 0: never */
        maintenance_notice: duration({ max: 30 * 86_400_000 }).prefault('24h'),
      })
      .prefault({}),
  })
  .prefault({});

export type StatusPageConfig = z.output<typeof statusPageSchema>;

/** Checks named in a group that do not exist are config errors, with the group's path. */
export function checkStatusPage(
  config: {
    status_page: StatusPageConfig;
    checks: readonly { name: string }[];
    notify: readonly { name: string; email?: unknown; webhook?: unknown }[];
  },
  ctx: z.RefinementCtx,
): void {
  for (const kind of ['email', 'webhook'] as const) {
    const name = config.status_page.subscribers[kind];
    if (name === undefined) continue;
    const channel = config.notify.find((c) => c.name === name);
    if (!channel || channel[kind] === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['status_page', 'subscribers', kind],
        message: channel ? `channel "${name}" is not a ${kind} channel` : `no channel named "${name}"`,
        params: {
          hint: `name a channel under notify: with ${kind}: { … }: ${
            config.notify
              .filter((c) => c[kind] !== undefined)
              .map((c) => c.name)
              .join(', ') || 'none yet'
          }`,
        },
      });
  }
  const names = new Set(config.checks.map((c) => c.name));
  config.status_page.groups.forEach((g, i) => {
    g.checks?.forEach((name, j) => {
      if (!names.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['status_page', 'groups', i, 'checks', j],
          message: `no check named "${name}"`,
          params: { hint: 'use a name from checks:, or match: { label: value }' },
        });
    });
  });
}

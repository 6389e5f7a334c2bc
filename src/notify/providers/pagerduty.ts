import { createHash } from 'node:crypto';
import { z } from 'zod';
import { clip, hostOf, iso, postJson } from '../http.js';
import type { Provider } from '../types.js';

const spec = z.strictObject({
  /** the integration's routing key (a secret: put it in the environment) */
  routing_key: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }).default('https://events.pagerduty.com/v2/enqueue'),
  /** the `source` field; defaults to the alert's instance label, else "vigil" */
  source: z.string().optional(),
  /** the label whose value picks the PagerDuty severity */
  severity_label: z.string().default('severity'),
  client_url: z.string().optional(),
});
type Spec = z.output<typeof spec>;

const severities = ['critical', 'error', 'warning', 'info'] as const;
const aliases: Record<string, (typeof severities)[number]> = {
  page: 'critical',
  fatal: 'critical',
  high: 'error',
  major: 'error',
  warn: 'warning',
  minor: 'warning',
  low: 'info',
  none: 'info',
};

/**
 * PagerDuty Events API v2: one event per group notification, trigger while
 * any alert fires and resolve when all have, under one dedup_key per alert
 * group so the incident opened by the trigger is the one resolved.
 */
export const pagerdutyProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => hostOf(s.url),
  async send(s, d) {
    const { data, title } = d.payload;
    const sev = data.commonLabels[s.severity_label] ?? data.alerts[0]?.labels[s.severity_label] ?? '';
    const severity = (severities as readonly string[]).includes(sev)
      ? (sev as (typeof severities)[number])
      : (aliases[sev] ?? 'error');
    const firing = data.alerts.filter((a) => a.status === 'firing');
    await postJson(
      s.url,
      {
        routing_key: s.routing_key,
        event_action: data.status === 'firing' ? 'trigger' : 'resolve',
        dedup_key: pagerdutyDedupKey(data.receiver, data.groupKey),
        payload: {
          summary: clip(title, 1024),
          source: s.source ?? data.commonLabels.instance ?? 'vigil',
          severity,
          timestamp: iso(Math.min(...data.alerts.map((a) => a.startsAt))),
          component: data.commonLabels.service ?? data.commonLabels.job,
          group: data.commonLabels.alertname,
          custom_details: {
            firing: firing.length,
            resolved: data.alerts.length - firing.length,
            labels: data.commonLabels,
            annotations: data.commonAnnotations,
            alerts: data.alerts.slice(0, 20).map((a) => ({ status: a.status, labels: a.labels })),
          },
        },
        client: 'Vigil',
        ...(s.client_url ? { client_url: s.client_url } : {}),
      },
      { signal: d.signal, timeoutMs: d.timeoutMs },
    );
  },
};

/** Stable per receiver and alert group, within PagerDuty's 255 characters. */
export function pagerdutyDedupKey(receiver: string, groupKey: string): string {
  return createHash('sha256').update(`${receiver}\u0000${groupKey}`).digest('hex');
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { clip, hostOf, postJson } from '../http.js';
import type { Provider } from '../types.js';

const spec = z.strictObject({
  /** an API integration's key (a secret: put it in the environment) */
  api_key: z.string().min(1),
  /** https://api.opsgenie.com, or https://api.eu.opsgenie.com for the EU instance */
  api_url: z.url({ protocol: /^https?$/ }).default('https://api.opsgenie.com'),
  /** the label whose value picks the priority (P1–P5) */
  priority_label: z.string().default('severity'),
  responders: z
    .array(z.strictObject({ type: z.enum(['team', 'user', 'escalation', 'schedule']), name: z.string() }))
    .default([]),
});
type Spec = z.output<typeof spec>;

const priorities: Record<string, string> = {
  critical: 'P1',
  page: 'P1',
  error: 'P2',
  high: 'P2',
  warning: 'P3',
  warn: 'P3',
  info: 'P5',
  low: 'P5',
};

/**
 * Opsgenie's Alert API: a firing group creates an alert whose alias is the
 * group's key, so Opsgenie de-duplicates repeats into one alert; the
 * resolved group closes it by that alias. Limits: message 130, alias 512,
 * description 15,000 characters.
 */
export const opsgenieProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => hostOf(s.api_url),
  async send(s, d) {
    const { data, title, body } = d.payload;
    const alias = createHash('sha256').update(`${data.receiver}\u0000${data.groupKey}`).digest('hex');
    const base = s.api_url.replace(/\/$/, '');
    const opts = {
      signal: d.signal,
      timeoutMs: d.timeoutMs,
      headers: { authorization: `GenieKey ${s.api_key}` },
    };
    if (data.status === 'resolved') {
      return postJson(
        `${base}/v2/alerts/${alias}/close?identifierType=alias`,
        { source: 'vigil', note: clip(title, 25_000) },
        opts,
      );
    }
    const level = data.commonLabels[s.priority_label] ?? data.alerts[0]?.labels[s.priority_label] ?? '';
    return postJson(
      `${base}/v2/alerts`,
      {
        message: clip(title, 130),
        alias,
        description: clip(body.trim() || title, 15_000),
        priority: priorities[level.toLowerCase()] ?? 'P3',
        source: 'vigil',
        tags: Object.entries(data.groupLabels)
          .map(([k, v]) => clip(`${k}=${v}`, 50))
          .slice(0, 20),
        details: Object.fromEntries(
          Object.entries(data.commonLabels)
            .slice(0, 50)
            .map(([k, v]) => [k, clip(v, 8000)]),
        ),
        ...(s.responders.length ? { responders: s.responders } : {}),
      },
      opts,
    );
  },
};

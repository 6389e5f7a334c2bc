import { z } from 'zod';
import { hostOf, iso, postJson } from '../http.js';
import type { Delivery, NotificationData, Provider } from '../types.js';

const spec = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** send Alertmanager's webhook payload (version 4) exactly, for receivers written for it */
  alertmanager_compatible: z.boolean().default(false),
  /** at most this many alerts per message (0: all); the rest are counted in truncatedAlerts */
  max_alerts: z.number().int().min(0).default(0),
  headers: z.record(z.string(), z.string()).default({}),
});
type Spec = z.output<typeof spec>;

/** Generic JSON webhook; with `alertmanager_compatible`, Alertmanager's webhook_config payload. */
export const webhookProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => hostOf(s.url),
  async send(s, d) {
    const data = truncate(d.payload.data, s.max_alerts);
    const body = s.alertmanager_compatible
      ? alertmanagerV4(data)
      : {
          ...alertmanagerV4(data),
          title: d.payload.title,
          body: d.payload.body,
          idempotencyKey: d.idempotencyKey,
        };
    return await postJson(s.url, body, {
      signal: d.signal,
      timeoutMs: d.timeoutMs,
      headers: { ...s.headers, 'idempotency-key': d.idempotencyKey },
    });
  },
  announce,
};

/** An announcement is its own small JSON document: receivers tell it from alerts by `kind`. */
async function announce(s: Spec, d: Delivery): Promise<void> {
  const a = d.payload.announcement!;
  // A subscriber's own URL gets none of the channel's headers: they may carry its credentials.
  const own = a.to?.[0];
  await postJson(
    own ?? s.url,
    {
      kind: 'announcement',
      type: a.kind,
      title: d.payload.title,
      text: a.text,
      ...(a.link ? { link: a.link } : {}),
      idempotencyKey: d.idempotencyKey,
    },
    {
      signal: d.signal,
      timeoutMs: d.timeoutMs,
      headers: { ...(own ? {} : s.headers), 'idempotency-key': d.idempotencyKey },
    },
  );
}

function truncate(data: NotificationData, max: number): NotificationData {
  if (!max || data.alerts.length <= max) return data;
  return { ...data, alerts: data.alerts.slice(0, max), truncatedAlerts: data.alerts.length - max };
}

/** Alertmanager's zero time, which it sends as the endsAt of a firing alert. */
const zeroTime = '0001-01-01T00:00:00Z';

/** The version 4 webhook payload, field for field. */
export function alertmanagerV4(data: NotificationData) {
  return {
    receiver: data.receiver,
    status: data.status,
    alerts: data.alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: iso(a.startsAt),
      endsAt: a.endsAt ? iso(a.endsAt) : zeroTime,
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
    groupLabels: data.groupLabels,
    commonLabels: data.commonLabels,
    commonAnnotations: data.commonAnnotations,
    externalURL: data.externalURL,
    version: '4',
    groupKey: data.groupKey,
    truncatedAlerts: data.truncatedAlerts,
  };
}

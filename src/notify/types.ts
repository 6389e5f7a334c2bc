import type { z } from 'zod';

/** One alert as the notifier sees it: Alertmanager's model. */
export interface NotifyAlert {
  fingerprint: string;
  /** the rule group it came from, so a restart can tell which alerts to re-confirm */
  ruleGroup: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** set once the alert has resolved */
  endsAt?: number;
}

export type AlertStatus = 'firing' | 'resolved';

/** The data of one notification: what templates see and what providers send. */
export interface NotificationData {
  receiver: string;
  status: AlertStatus;
  alerts: Array<{
    status: AlertStatus;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: number;
    /** 0 while firing */
    endsAt: number;
    generatorURL: string;
    fingerprint: string;
  }>;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  groupKey: string;
  truncatedAlerts: number;
}

/** What is written to the outbox: data plus the rendered title and body. No secrets. */
export interface OutboxPayload {
  data: NotificationData;
  title: string;
  body: string;
  /** set when this is not about alerts: a planned change, a report, a reminder */
  announcement?: Announcement;
}

/** A message to people rather than an alert: `title` and `text` always, `html` for e-mail, `link` to read more. */
export interface Announcement {
  /** what it is about, e.g. change.planned or report.weekly; receivers may route on it */
  kind: string;
  text: string;
  html?: string;
  link?: string;
  /**
   * One subscriber instead of the channel's own recipients: e-mail addresses for an e-mail
   * channel, a URL for a webhook channel (which then sends none of the channel's headers)
   */
  to?: string[];
  /** extra e-mail headers, e.g. List-Unsubscribe */
  headers?: Record<string, string>;
}

export interface Delivery {
  id: string;
  /** the same for every attempt of one notification; receivers may de-duplicate on it */
  idempotencyKey: string;
  channel: string;
  payload: OutboxPayload;
  signal: AbortSignal;
  timeoutMs: number;
}

/** What a receiver answered an accepted request. */
export interface ReceiverAnswer {
  status: number;
  text: string;
}

/** A failed attempt; `retry: false` dead-letters at once (the receiver will never accept it). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

export interface RouteDefaults {
  groupWaitMs?: number;
  groupIntervalMs?: number;
  repeatIntervalMs?: number;
}

/**
 * A notification provider: the schema of its block in vigil.yaml and how to
 * deliver one notification. One file per provider, one line in `registry.ts`.
 * `send` resolves on acceptance and throws DeliveryError otherwise; it must
 * never put a secret from the spec (URL, key, password) in an error message.
 */
export interface Provider<Spec> {
  schema: z.ZodType<Spec, any>;
  /** where it sends, for tables and the API: no secrets */
  target(spec: Spec): string;
  /** timing this provider needs unless the route sets its own */
  defaults?: RouteDefaults;
  /**
   * Repeats keep the alert alive at the receiver (Alertmanager resolves an
   * alert whose endsAt passes), so acknowledging an incident must not stop them.
   */
  repeatsKeepAlive?: boolean;
  /** resolves with the receiver's answer where the provider has one (`vigil notify test` prints it) */
  // biome-ignore lint/suspicious/noConfusingVoidType: providers without an answer to show return nothing
  send(spec: Spec, delivery: Delivery): Promise<void | ReceiverAnswer>;
  /**
   * Deliver an announcement (`delivery.payload.announcement` is set). Providers
   * without it (paging, Alertmanager) are skipped when one is queued: an
   * announcement is not an alert and must not page anyone.
   */
  announce?(spec: Spec, delivery: Delivery): Promise<void>;
}

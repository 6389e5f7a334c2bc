import { createHash, randomBytes } from 'node:crypto';
import type { StatusPageConfig } from '../config/status-page.js';
import { VigilError } from '../errors.js';
import type { StatusIncident, StatusUpdate, Subscriber } from '../store/status.js';
import type { Store } from '../store/store.js';
import { signLink, verifyLink } from './links.js';

/**
 * Keeping people outside the team told: status page subscribers (e-mail with double opt-in, or a
 * webhook an operator adds) get incident updates, scheduled maintenance and, when the config says
 * so, planned changes. Every message is one outbox row per subscriber, through the channel
 * `status_page.subscribers` names, so it has the outbox's retries and de-duplication; each mail
 * carries a one-click unsubscribe link and the List-Unsubscribe headers of RFC 2369 and RFC 8058.
 */

export interface Comms {
  store: Pick<Store, 'status' | 'notifications' | 'escalations'>;
  settings(): { page: StatusPageConfig; externalUrl: string };
  /** the provider of a channel under notify:, to write the outbox row */
  provider(channel: string): string | undefined;
  now(): number;
  /** wake the delivery workers (absent in the CLI: a running daemon polls the outbox) */
  kick?(): void;
}

export interface SubscriberMessage {
  /** what makes it unique per subscriber: the same key twice is queued once */
  key: string;
  kind: string;
  title: string;
  text: string;
}

const emailRe = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

const linkKey = (c: Comms) =>
  c.store.escalations.secret('status-links', () => randomBytes(32).toString('hex'), c.now());
const base = (c: Comms) => c.settings().externalUrl.replace(/\/$/, '');

async function queue(c: Comms, s: Subscriber, m: SubscriberMessage, extra: { unsubscribe?: string } = {}) {
  const { page, externalUrl } = c.settings();
  const channel = s.kind === 'email' ? page.subscribers.email : page.subscribers.webhook;
  const provider = channel && c.provider(channel);
  if (!channel || !provider) return false;
  const key = createHash('sha256').update(`${s.id}\u0000${m.key}`).digest('hex').slice(0, 32);
  const text = extra.unsubscribe ? `${m.text}\n\nUnsubscribe: ${extra.unsubscribe}` : m.text;
  return c.store.notifications.enqueue({
    id: `sub-${key.slice(0, 20)}`,
    idempotencyKey: key,
    channel,
    provider,
    groupKey: m.key,
    event: 'firing',
    payload: {
      title: m.title,
      body: text,
      announcement: {
        kind: m.kind,
        text,
        link: `${base(c)}/status`,
        to: [s.address],
        ...(extra.unsubscribe
          ? {
              headers: {
                'List-Unsubscribe': `<${extra.unsubscribe}>`,
                'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
              },
            }
          : {}),
      },
      data: {
        receiver: channel,
        status: 'firing',
        alerts: [],
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: externalUrl,
        groupKey: m.key,
        truncatedAlerts: 0,
      },
    },
    alerts: 0,
    incidents: [],
    createdAt: c.now(),
    nextAttemptAt: c.now(),
  });
}

/** Signs someone up by e-mail: they get a confirmation link and nothing else until they follow it. */
export async function subscribeEmail(c: Comms, address: string): Promise<{ confirmed: boolean }> {
  const email = address.trim().toLowerCase();
  if (email.length > 254 || !emailRe.test(email))
    throw new VigilError('USAGE', 'not an e-mail address', { hint: 'e.g. someone@example.com' });
  if (!c.settings().page.subscribers.email)
    throw new VigilError('NOT_FOUND', 'this status page takes no e-mail subscriptions', {
      hint: 'set status_page.subscribers.email to an e-mail channel',
    });
  const now = c.now();
  const s = await c.store.status.subscribe({
    id: randomBytes(12).toString('hex'),
    kind: 'email',
    address: email,
    createdAt: now,
    confirmed: false,
  });
  if (s.confirmedAt !== null) return { confirmed: true };
  const confirm = `${base(c)}/status/confirm/${signLink(await linkKey(c), 'confirm', s.id)}`;
  const title = `Confirm your subscription to ${c.settings().page.title}`;
  // A second sign-up within the hour sends nothing new: the key holds the hour.
  await queue(c, s, {
    key: `confirm:${Math.floor(now / 3_600_000)}`,
    kind: 'status.confirm',
    title,
    text: `Someone (we hope you) asked for updates from ${c.settings().page.title} at this address.\n\nConfirm: ${confirm}\n\nIf it was not you, ignore this message: nothing more will be sent.`,
  });
  c.kick?.();
  return { confirmed: false };
}

/** A webhook an operator adds: it needs no confirmation. */
export async function subscribeWebhook(c: Comms, url: string): Promise<Subscriber> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new VigilError('USAGE', 'not a URL', { hint: 'e.g. https://example.com/hooks/status' });
  }
  if (!/^https?:$/.test(u.protocol)) throw new VigilError('USAGE', 'a webhook URL is http:// or https://');
  if (!c.settings().page.subscribers.webhook)
    throw new VigilError('NOT_FOUND', 'this status page takes no webhook subscriptions', {
      hint: 'set status_page.subscribers.webhook to a webhook channel',
    });
  return c.store.status.subscribe({
    id: randomBytes(12).toString('hex'),
    kind: 'webhook',
    address: u.toString(),
    createdAt: c.now(),
    confirmed: true,
  });
}

export async function confirmLink(c: Comms, token: string): Promise<Subscriber | undefined> {
  const id = verifyLink(await linkKey(c), 'confirm', token);
  return id === undefined ? undefined : c.store.status.confirm(id, c.now());
}

/** One click: the subscriber and its address are deleted. True when there was one. */
export async function unsubscribeLink(c: Comms, token: string): Promise<boolean | 'invalid'> {
  const id = verifyLink(await linkKey(c), 'unsubscribe', token);
  if (id === undefined) return 'invalid';
  return (await c.store.status.remove({ id })) > 0;
}

/** Queues a message to every confirmed subscriber; resolves to how many were queued. */
export async function tellSubscribers(c: Comms, m: SubscriberMessage): Promise<number> {
  const key = await linkKey(c);
  let n = 0;
  for (const s of await c.store.status.subscribers({ confirmed: true })) {
    const unsubscribe = `${base(c)}/status/unsubscribe/${signLink(key, 'unsubscribe', s.id)}`;
    if (await queue(c, s, m, s.kind === 'email' ? { unsubscribe } : {})) n++;
  }
  if (n) c.kick?.();
  return n;
}

/** The message for one update of a status page incident. */
export function updateMessage(i: StatusIncident, u: StatusUpdate): SubscriberMessage {
  const status = u.status[0]!.toUpperCase() + u.status.slice(1);
  return {
    key: `status-update:${u.id}`,
    kind: 'status.update',
    title: `[${status}] ${i.title}`,
    text: `${status}: ${u.body}${i.components.length ? `\n\nAffects: ${i.components.join(', ')}` : ''}\n\nPosted ${new Date(u.at).toISOString()}`,
  };
}

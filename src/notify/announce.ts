import { createHash } from 'node:crypto';
import { VigilError } from '../errors.js';
import type { Store } from '../store/store.js';
import { compileNotify, type NotifyInput } from './config.js';
import { providers } from './registry.js';
import type { Announcement } from './types.js';

export interface AnnouncementMessage extends Announcement {
  /** channel names from `notify:` */
  channels: readonly string[];
  /** what makes it unique: the same key twice is queued once (e.g. `change:42:planned`) */
  key: string;
  title: string;
}

export interface AnnounceOutcome {
  queued: Array<{ channel: string; id: string; new: boolean }>;
  /** channels whose provider does not carry announcements (paging, Alertmanager) */
  skipped: Array<{ channel: string; reason: string }>;
}

/**
 * Queue a message to people — a planned change, a report, a reminder — in the
 * same durable outbox as alert notifications, so it gets the same retries,
 * de-duplication and delivery log, whether the daemon or the CLI queued it.
 */
export async function enqueueAnnouncement(
  store: Store,
  config: NotifyInput,
  msg: AnnouncementMessage,
  now: number,
): Promise<AnnounceOutcome> {
  const { channels } = compileNotify(config);
  const out: AnnounceOutcome = { queued: [], skipped: [] };
  for (const name of new Set(msg.channels)) {
    const channel = channels.get(name);
    if (!channel) {
      throw new VigilError('NOT_FOUND', `no channel "${name}" under notify:`, {
        hint: `channels: ${[...channels.keys()].join(', ') || 'none (add one under notify:)'}`,
      });
    }
    if (!providers[channel.provider].announce) {
      out.skipped.push({ channel: name, reason: `${channel.provider} channels carry alerts only` });
      continue;
    }
    const idempotencyKey = createHash('sha256').update(`${name}\u0000${msg.key}`).digest('hex').slice(0, 32);
    const id = `ann-${idempotencyKey.slice(0, 20)}`;
    const isNew = await store.notifications.enqueue({
      id,
      idempotencyKey,
      channel: name,
      provider: channel.provider,
      groupKey: msg.key,
      event: 'firing',
      payload: {
        title: msg.title,
        body: msg.text,
        announcement: {
          kind: msg.kind,
          text: msg.text,
          ...(msg.html ? { html: msg.html } : {}),
          ...(msg.link ? { link: msg.link } : {}),
        },
        data: {
          receiver: name,
          status: 'firing',
          alerts: [],
          groupLabels: {},
          commonLabels: {},
          commonAnnotations: {},
          externalURL: config.notifications.external_url,
          groupKey: msg.key,
          truncatedAlerts: 0,
        },
      },
      alerts: 0,
      incidents: [],
      createdAt: now,
      nextAttemptAt: now,
    });
    out.queued.push({ channel: name, id, new: isNew });
  }
  return out;
}

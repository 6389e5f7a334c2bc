import type { VigilConfig } from '../config/schema.js';
import { enqueueAnnouncement } from '../notify/announce.js';
import { compileNotify } from '../notify/config.js';
import { tellSubscribers } from '../status/communicate.js';
import type { Store } from '../store/store.js';
import type { Announce } from './announce.js';

/** The moments of a change the status page's subscribers hear of (not the team's reminders). */
const toSubscribers = new Set(['change.planned', 'change.started', 'change.finished', 'change.rollback']);

/**
 * Announcements go to the durable outbox, so the daemon's delivery workers send them with the
 * same retries as alerts, whether the CLI, the API or the daemon wrote them. With
 * `status_page.subscribers.changes`, the stakeholders subscribed to the status page hear of
 * planned changes too, each with their own unsubscribe link.
 */
export function outboxAnnouncer(store: Store, config: VigilConfig, now: () => number): Announce {
  return async (msg) => {
    if (msg.channels.length) await enqueueAnnouncement(store, config, msg, now());
    if (config.status_page.subscribers.changes && toSubscribers.has(msg.kind)) {
      const channels = compileNotify(config).channels;
      await tellSubscribers(
        {
          store,
          settings: () => ({ page: config.status_page, externalUrl: config.notifications.external_url }),
          provider: (name) => channels.get(name)?.provider,
          now,
        },
        { key: msg.key, kind: msg.kind, title: msg.title, text: msg.text },
      );
    }
  };
}

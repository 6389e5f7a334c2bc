import type { VigilConfig } from '../config/schema.js';
import { enqueueAnnouncement } from '../notify/announce.js';
import type { Store } from '../store/store.js';
import type { Announce } from './announce.js';

/**
 * Announcements go to the durable outbox, so the daemon's delivery workers send them with the
 * same retries as alerts, whether the CLI, the API or the daemon wrote them.
 */
export function outboxAnnouncer(store: Store, config: VigilConfig, now: () => number): Announce {
  return async (msg) => {
    await enqueueAnnouncement(store, config, msg, now());
  };
}

import type { VigilConfig } from '../config/schema.js';
import type { Store } from '../store/store.js';
import type { Announce } from './announce.js';

/**
 * Announcements go to the durable outbox, so the daemon's delivery workers send them with the
 * same retries as alerts. Until the outbox takes announcements, nothing is announced.
 */
export function outboxAnnouncer(
  _store: Store,
  _config: VigilConfig,
  _now: () => number,
): Announce | undefined {
  return undefined;
}

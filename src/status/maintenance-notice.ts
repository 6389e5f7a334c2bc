import { changesOf } from '../changes/compiled.js';
import { maintenanceBetween } from '../changes/maintenance.js';
import type { VigilConfig } from '../config/schema.js';
import type { Store } from '../store/store.js';
import { type Comms, tellSubscribers } from './communicate.js';

/** Occurrences this process already told subscribers of; the outbox key covers restarts and other nodes. */
const told = new Set<string>();

const when = (t: number, zone: string) =>
  `${new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(t)} (${zone})`;

/**
 * Scheduled maintenance, told ahead: each occurrence of `changes.maintenance` that starts within
 * `status_page.subscribers.maintenance_notice` is mailed (or posted) to the status page's
 * subscribers once. Called from the change management job's minute tick; idempotent.
 */
export async function noticeMaintenance(
  store: Pick<Store, 'status' | 'notifications' | 'escalations'>,
  config: VigilConfig,
  provider: Comms['provider'],
  now: number,
): Promise<number> {
  const s = config.status_page.subscribers;
  if (!s.maintenance_notice || (!s.email && !s.webhook)) return 0;
  const zone = config.changes.timezone;
  const comms: Comms = {
    store,
    settings: () => ({ page: config.status_page, externalUrl: config.notifications.external_url }),
    provider,
    now: () => now,
  };
  let n = 0;
  for (const o of maintenanceBetween(changesOf(config).maintenance, now, now + s.maintenance_notice)) {
    const key = `maintenance:${o.name}:${o.startsAt}`;
    if (o.startsAt <= now || told.has(key)) continue;
    n += await tellSubscribers(comms, {
      key,
      kind: 'status.maintenance',
      title: `Scheduled maintenance: ${o.title}`,
      text: `${o.title}\n\nFrom ${when(o.startsAt, zone)} until ${when(o.endsAt, zone)}.`,
    });
    told.add(key);
  }
  return n;
}

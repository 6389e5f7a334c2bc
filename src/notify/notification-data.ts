import type { LogEntry } from '../store/notifications.js';
import type { AggregationGroup } from './dispatcher.js';
import type { NotificationData, NotifyAlert } from './types.js';

/** The notification log's key: one entry per receiver and aggregation group. */
export function logKey(receiver: string, groupKey: string): string {
  return `${receiver}\u0000${groupKey}`;
}

/**
 * Alertmanager's rule for whether a group flush is news to a receiver, from what
 * the notification log says it was last told: `true` or `false`, or `repeat` when
 * only the repeat interval can make it news (the caller knows the interval).
 * `firing` and `resolved` are sorted fingerprints.
 */
export function isNews(
  entry: LogEntry | undefined,
  firing: readonly string[],
  resolved: readonly string[],
  sendResolved: boolean,
): boolean | 'repeat' {
  if (!entry) return firing.length > 0;
  if (!isSubset(firing, entry.firing)) return true;
  if (!firing.length) return entry.firing.length > 0;
  if (sendResolved && !isSubset(resolved, entry.resolved)) return true;
  return 'repeat';
}

function isSubset(sorted: readonly string[], of: readonly string[]): boolean {
  const set = new Set(of);
  return sorted.every((x) => set.has(x));
}

export function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function common(sets: Record<string, string>[]): Record<string, string> {
  if (!sets.length) return {};
  const out: Record<string, string> = { ...sets[0] };
  for (const s of sets.slice(1)) for (const k of Object.keys(out)) if (s[k] !== out[k]) delete out[k];
  return out;
}

/** What every provider renders from: Alertmanager's webhook payload for one group flush. */
export function notificationData(
  receiver: string,
  g: AggregationGroup,
  alerts: NotifyAlert[],
  externalUrl: string,
): NotificationData {
  const base = externalUrl.replace(/\/+$/, '');
  const list = alerts.map((a) => ({
    status: (a.endsAt === undefined ? 'firing' : 'resolved') as 'firing' | 'resolved',
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt ?? 0,
    generatorURL: base
      ? `${base}/api/v1/alerts?alertname=${encodeURIComponent(a.labels.alertname ?? '')}`
      : '',
    fingerprint: a.fingerprint,
  }));
  return {
    receiver,
    status: list.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: list,
    groupLabels: g.labels,
    commonLabels: common(list.map((a) => a.labels)),
    commonAnnotations: common(list.map((a) => a.annotations)),
    externalURL: base,
    groupKey: g.key,
    truncatedAlerts: 0,
  };
}

import type { ExposedSample } from './exposition.js';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';

/** HELP for the series Vigil's own checks write, as promtool expects every family to have one. */
const ownHelp: Readonly<Record<string, string>> = {
  up: '1 if the check passed on its last run, 0 if it failed.',
  check_duration_seconds: 'How long the last run of the check took.',
  scrape_duration_seconds: 'How long the last scrape of the target took.',
  scrape_samples_scraped: 'How many samples the last scrape of the target exposed.',
  tls_cert_expiry_seconds: 'Seconds until the served certificate expires.',
  tls_cert_not_after_timestamp_seconds: "The served certificate's notAfter, in seconds since the epoch.",
  heartbeat_age_seconds: 'Seconds since the last heartbeat ping.',
  cpu_usage: 'CPU busy ratio (0..1) over the last interval.',
  memory_usage: 'Memory in use as a ratio (0..1) of the total.',
  disk_usage: 'Disk space in use as a ratio (0..1) of the filesystem.',
  error_rate: 'Ratio (0..1) of scanned log lines that matched the error pattern.',
};

/** The type and help a family is exposed with: the scraped TYPE and HELP when known, Vigil's own otherwise. */
export function familyOf(s: Pick<ExposedSample, 'name' | 'meta'>): { type: MetricType; help: string } {
  const type = s.meta?.type ?? (s.name.endsWith('_total') ? 'counter' : 'gauge');
  const help = s.meta?.help || (ownHelp[s.name] ?? `${s.name}, as Vigil's checks last reported it.`);
  return { type, help };
}

/**
 * Prometheus's `/api/v1/metadata` answer for the series on Vigil's /metrics,
 * one entry per family. Histogram and summary series are filed under their
 * family's name, without `_bucket`, `_sum` or `_count`.
 */
export function seriesMetadata(
  latest: readonly ExposedSample[],
): Record<string, { type: MetricType; help: string; unit: string }[]> {
  const out = new Map<string, { type: MetricType; help: string; unit: string }[]>();
  for (const s of latest) {
    const name = s.meta?.family ?? s.name;
    if (out.has(name)) continue;
    const { type, help } = familyOf({ name, meta: s.meta });
    out.set(name, [{ type, help, unit: '' }]);
  }
  return Object.fromEntries(out);
}

export function ago(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

/**
 * A span as a countdown reads: its two largest units, "3d 4h", "2h 5m", "12m", "45s". The same
 * rule as `roughDuration` in src/core/duration.ts (a test holds them together).
 */
export function roughDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** "in 3d 4h" for a time ahead, "3d 4h ago" for one past. */
export function until(at: string | number | null | undefined, now = Date.now()): string {
  if (at === null || at === undefined) return '—';
  const ms = (typeof at === 'number' ? at : Date.parse(at)) - now;
  return ms >= 0 ? `in ${roughDuration(ms)}` : `${roughDuration(-ms)} ago`;
}

export const percent = (r: number | null | undefined, digits = 2): string =>
  r === null || r === undefined ? '—' : `${(r * 100).toFixed(digits)}%`;

export const millis = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;

export const time = (v: string | number | null | undefined): string =>
  v === null || v === undefined ? '—' : new Date(v).toLocaleString();

export const labelText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');

/** "1 check", "2 checks": counts read as English. */
export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** Series that are ratios 0..1 (Prometheus's `_ratio` convention and the guide's four): shown as %. */
const ratioSeries = /\b(?:cpu_usage|memory_usage|disk_usage|error_rate|\w+_ratio)\b/;

/**
 * An alert's value as people read it: a percentage when the rule's expression is about a ratio
 * series, else at most four significant digits (0.10067114093959731 is 10.07% or 0.1007).
 */
export function alertValue(value: string | number | null, query = ''): string {
  if (value === null || value === '') return '—';
  const v = Number(value);
  if (!Number.isFinite(v)) return String(value);
  if (ratioSeries.test(query) && v >= 0 && v <= 1) return `${Number((v * 100).toPrecision(4))}%`;
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

export function ago(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
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

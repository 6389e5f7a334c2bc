/**
 * Durations and sizes as people write them in vigil.yaml: `30s`, `5m`, `1h30m`,
 * `1d`, `1w`, `250ms`; `100MB`, `1GiB`. Pure functions, no I/O.
 */
const durationUnits: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 365 * 86_400_000,
};

const durationPart = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/y;

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  if (s.length === 0) return undefined;
  let total = 0;
  durationPart.lastIndex = 0;
  while (durationPart.lastIndex < s.length) {
    const m = durationPart.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * durationUnits[m[2]!]!;
  }
  return Math.round(total);
}

/**
 * A span as people read a countdown: its two largest units, rounded down, "3d 4h", "2h 5m",
 * "12m", "45s" (a zero second unit is left out: "2h", "3d"). Every countdown Vigil shows (the
 * CLI's and the dashboard's, whose `web/src/format.ts` has the same rule) reads this way.
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

/** The shortest exact form: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const order: [string, number][] = [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = Math.abs(ms);
  let out = ms < 0 ? '-' : '';
  for (const [unit, size] of order) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

const sizeUnits: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

/** Bytes for `100MB`, `1GiB`, `512k` (logrotate's k/M/G are binary), or undefined. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase() || 'b';
  const factor = sizeUnits[unit];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

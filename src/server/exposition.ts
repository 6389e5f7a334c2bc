import type { SampleMeta } from '../checks/types.js';
import { familyOf } from './series-metadata.js';

/**
 * Prometheus text exposition (format 0.0.4) for the latest check samples.
 * prom-client renders Vigil's own metrics; check series are dynamic label sets
 * that prom-client's fixed-label metrics do not model, so they are written here.
 * A scraped family keeps the target's TYPE and HELP (a histogram stays one
 * family); Vigil's own series get theirs, so `promtool check metrics` is quiet.
 */
export interface ExposedSample {
  name: string;
  labels?: Readonly<Record<string, string>>;
  value: number;
  meta?: SampleMeta;
}

export function renderSamples(samples: readonly ExposedSample[]): string {
  const byFamily = new Map<string, ExposedSample[]>();
  for (const s of samples) {
    const family = metricName(s.meta?.family ?? s.name);
    const list = byFamily.get(family);
    if (list) list.push(s);
    else byFamily.set(family, [s]);
  }
  let out = '';
  for (const [family, list] of [...byFamily].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { type, help } = familyOf({ name: family, meta: list[0]!.meta });
    out += `# HELP ${family} ${escapeHelp(help)}\n# TYPE ${family} ${type === 'unknown' ? 'untyped' : type}\n`;
    // A histogram's or summary's series in Prometheus's order: per label set, buckets by le, then _sum, _count.
    const ordered = type === 'histogram' || type === 'summary' ? [...list].sort(memberOrder) : list;
    for (const s of ordered)
      out += `${metricName(s.name)}${renderLabels(s.labels)} ${renderValue(s.value)}\n`;
  }
  return out;
}

function memberOrder(a: ExposedSample, b: ExposedSample): number {
  const ka = groupKey(a.labels);
  const kb = groupKey(b.labels);
  if (ka !== kb) return ka < kb ? -1 : 1;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  return bound(a) - bound(b);
}

const rank = (s: ExposedSample) => (s.name.endsWith('_sum') ? 2 : s.name.endsWith('_count') ? 3 : 1);
const bound = (s: ExposedSample) => {
  const v = s.labels?.le ?? s.labels?.quantile;
  return v === undefined ? 0 : v === '+Inf' ? Number.POSITIVE_INFINITY : Number(v);
};
function groupKey(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '';
  return Object.keys(labels)
    .filter((k) => k !== 'le' && k !== 'quantile')
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
}

function renderLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '';
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${labelName(k)}="${escapeValue(labels[k]!)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function renderValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const metricName = (n: string) => n.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/^(\d)/, '_$1');
const labelName = (n: string) => n.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^(\d)/, '_$1');

/**
 * Prometheus text exposition (format 0.0.4) for the latest check samples.
 * prom-client renders Vigil's own metrics; check series are dynamic label sets
 * that prom-client's fixed-label metrics do not model, so they are written here.
 */
export interface ExposedSample {
  name: string;
  labels?: Readonly<Record<string, string>>;
  value: number;
  /** the family's TYPE and HELP as a scraped target exposed them; Vigil's own when absent */
  type?: 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';
  help?: string;
  /** the family a `_bucket`, `_sum` or `_count` series belongs to, when it is not `name` */
  family?: string;
}

export function renderSamples(samples: readonly ExposedSample[]): string {
  const byName = new Map<string, ExposedSample[]>();
  for (const s of samples) {
    const name = metricName(s.name);
    const list = byName.get(name);
    if (list) list.push(s);
    else byName.set(name, [s]);
  }
  let out = '';
  for (const [name, list] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    out += `# TYPE ${name} gauge\n`;
    for (const s of list) out += `${name}${renderLabels(s.labels)} ${renderValue(s.value)}\n`;
  }
  return out;
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
const metricName = (n: string) => n.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/^(\d)/, '_$1');
const labelName = (n: string) => n.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^(\d)/, '_$1');

import type { Exposition, ExpositionSample } from '../../../src/metrics/exposition/parse.js';

/** Test helper: write samples back as text format 0.0.4, escaping what the format escapes. */
export function formatSample(s: ExpositionSample): string {
  const pairs = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeValue(v)}"`);
  const labels = pairs.length ? `{${pairs.join(',')}}` : '';
  const ts = s.timestampMs === undefined ? '' : ` ${s.timestampMs}`;
  return `${s.name}${labels} ${formatValue(s.value)}${ts}\n`;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

export const escapeValue = (v: string): string =>
  v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

const escapeHelp = (v: string): string => v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');

/** The whole exposition: each family's HELP and TYPE before its first sample, as exporters write it. */
export function formatExposition(e: Exposition): string {
  const out: string[] = [];
  const written = new Set<string>();
  const typeName = (t: string) => (t === 'unknown' ? 'untyped' : t);
  for (const s of e.samples) {
    const family = [...e.families.values()].find(
      (f) => !written.has(f.name) && (s.name === f.name || s.name.startsWith(`${f.name}_`)),
    );
    if (family) {
      written.add(family.name);
      if (family.help !== undefined) out.push(`# HELP ${family.name} ${escapeHelp(family.help)}\n`);
      out.push(`# TYPE ${family.name} ${typeName(family.type)}\n`);
    }
    out.push(formatSample(s));
  }
  for (const f of e.families.values()) {
    if (written.has(f.name)) continue;
    if (f.help !== undefined) out.push(`# HELP ${f.name} ${escapeHelp(f.help)}\n`);
    out.push(`# TYPE ${f.name} ${typeName(f.type)}\n`);
  }
  return out.join('');
}

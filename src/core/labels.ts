import type { Labels } from '../metrics/types.js';

/**
 * Label-set helpers. Vector matching and aggregation hash label sets into
 * string keys (Map lookups, no pairwise comparison), so matching stays linear
 * in the number of series.
 */

const SEP = '\u0000';
const PAIR = '\u0001';

/** Label names in sorted order; objects built in sorted order skip the sort. */
function sortedNames(labels: Labels): string[] {
  const names = Object.keys(labels);
  for (let i = 1; i < names.length; i++) {
    if (names[i - 1]! > names[i]!) return names.sort();
  }
  return names;
}

/** A canonical key for a whole label set. */
export function labelsKey(labels: Labels): string {
  let k = '';
  for (const n of sortedNames(labels)) k += n + SEP + labels[n] + PAIR;
  return k;
}

/** Key over just `names` (those present), as Prometheus's HashForLabels. */
export function keyFor(labels: Labels, sortedNames: readonly string[]): string {
  let k = '';
  for (const n of sortedNames) {
    const v = labels[n];
    if (v !== undefined && v !== '') k += n + SEP + v + PAIR;
  }
  return k;
}

/** Key over every label except `sortedNames` and `__name__`, as HashWithoutLabels. */
export function keyWithout(labels: Labels, excluded: ReadonlySet<string>): string {
  let k = '';
  for (const n of sortedNames(labels)) {
    if (n === '__name__' || excluded.has(n)) continue;
    k += n + SEP + labels[n] + PAIR;
  }
  return k;
}

/**
 * Drops the metric name, and with it the `__type__`/`__unit__` metadata labels,
 * which Prometheus removes together with the name.
 */
export function withoutName(labels: Labels): Labels {
  if (!('__name__' in labels || '__type__' in labels || '__unit__' in labels)) return labels;
  const { __name__: _n, __type__: _t, __unit__: _u, ...rest } = labels;
  return rest;
}

/** Keeps only `names`. */
export function pick(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = labels[n];
    if (v !== undefined && v !== '') out[n] = v;
  }
  return out;
}

/** Drops `names` (and optionally `__name__`). */
export function omit(labels: Labels, names: Iterable<string>, dropName = false): Labels {
  const out: Record<string, string> = { ...labels };
  for (const n of names) delete out[n];
  if (dropName) delete out.__name__;
  return out;
}

/** Sets (or, for an empty value, removes) one label. */
export function withLabel(labels: Labels, name: string, value: string): Labels {
  const out: Record<string, string> = { ...labels };
  if (value === '') delete out[name];
  else out[name] = value;
  return out;
}

/**
 * Sorts items by their label sets in Prometheus's labels.Compare order
 * (pairwise by name, then value, then length). Comparing the keys gives the
 * same order because the separators sort below every character a name or
 * value can contain; each key is computed once.
 */
export function sortByLabels<T>(items: readonly T[], labelsOf: (item: T) => Labels): T[] {
  const keyed = items.map((item) => ({ item, key: labelsKey(labelsOf(item)) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.item);
}

/** Prometheus's labels.Compare, for one pair. */
export function compareLabels(a: Labels, b: Labels): number {
  const ka = labelsKey(a);
  const kb = labelsKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** `{a="1", b="2"}`, Prometheus's text form, for messages. */
export function formatLabels(labels: Labels): string {
  const name = labels.__name__ ?? '';
  const rest = Object.keys(labels)
    .filter((n) => n !== '__name__')
    .sort()
    .map((n) => `${n}=${JSON.stringify(labels[n])}`);
  return `${name}{${rest.join(', ')}}`;
}

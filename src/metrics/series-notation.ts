import type { Labels } from './types.js';

/**
 * The series notation of Prometheus's test formats (promtool's `input_series`
 * and promqltest's `load`): `up{job="api"}` with values `0 1+2x3 _ stale 5x2`.
 */
export class NotationError extends Error {}

/** `name{a="b", c="d"}` or `{__name__="x"}` → labels (with __name__). */
export function parseSeriesLabels(text: string): Labels {
  const s = text.trim();
  let i = 0;
  const labels: Record<string, string> = {};
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(s);
  if (name) {
    labels.__name__ = name[0];
    i = name[0].length;
  }
  while (i < s.length && s[i] === ' ') i++;
  if (i === s.length) {
    if (!name) throw new NotationError(`"${text}" is not a series`);
    return labels;
  }
  if (s[i] !== '{') throw new NotationError(`unexpected "${s[i]}" in series "${text}"`);
  i++;
  for (;;) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (s[i] === '}') {
      i++;
      break;
    }
    let key: string;
    if (s[i] === '"') {
      const q = readQuoted(s, i);
      key = q.value;
      i = q.end;
    } else {
      const k = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(s.slice(i));
      if (!k) throw new NotationError(`expected a label name at "${s.slice(i)}" in "${text}"`);
      key = k[0];
      i += key.length;
    }
    while (s[i] === ' ') i++;
    if (s[i] !== '=') throw new NotationError(`expected "=" after ${key} in "${text}"`);
    i++;
    while (s[i] === ' ') i++;
    const v = readQuoted(s, i);
    labels[key] = v.value;
    i = v.end;
  }
  if (s.slice(i).trim()) throw new NotationError(`unexpected "${s.slice(i).trim()}" after series "${text}"`);
  if (!labels.__name__ && !Object.keys(labels).length) throw new NotationError(`"${text}" has no labels`);
  return labels;
}

function readQuoted(s: string, start: number): { value: string; end: number } {
  const quote = s[start];
  if (quote !== '"' && quote !== "'" && quote !== '`')
    throw new NotationError(`expected a quoted value at "${s.slice(start)}"`);
  let out = '';
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === quote) return { value: out, end: i + 1 };
    if (c === '\\' && quote !== '`') {
      const n = s[++i];
      out += n === 'n' ? '\n' : n === 't' ? '\t' : (n ?? '');
    } else out += c;
  }
  throw new NotationError(`unterminated string in "${s}"`);
}

/** One value slot: a number, a gap (`_`), or a staleness marker. */
export type NotationValue = number | 'gap' | 'stale';

const num = (t: string): number => {
  const lower = t.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) && !/^0x[0-9a-f]+$/i.test(t)) {
    throw new NotationError(`"${t}" is not a number`);
  }
  return Number(t);
};

/** Expand `1+2x3` (1 3 5 7), `5x2` (5 5 5), `_x3` (three gaps), `stale`, plain numbers. */
export function expandValues(text: string): NotationValue[] {
  const out: NotationValue[] = [];
  for (const item of text.trim().split(/\s+/).filter(Boolean)) {
    if (item.startsWith('{{')) throw new NotationError('native histogram values are not supported');
    if (item === '_') {
      out.push('gap');
      continue;
    }
    if (item === 'stale') {
      out.push('stale');
      continue;
    }
    const gaps = /^_x(\d+)$/.exec(item);
    if (gaps) {
      for (let k = 0; k < Number(gaps[1]); k++) out.push('gap');
      continue;
    }
    const series = /^(.+?)(?:([+-])(.+?))?x(\d+)$/.exec(item);
    if (series && !/^[-+]?inf$|^nan$/i.test(item)) {
      const start = num(series[1]!);
      const step = series[3] === undefined ? 0 : num(series[3]) * (series[2] === '-' ? -1 : 1);
      const times = Number(series[4]);
      for (let k = 0; k <= times; k++) out.push(start + step * k);
      continue;
    }
    out.push(num(item));
  }
  return out;
}

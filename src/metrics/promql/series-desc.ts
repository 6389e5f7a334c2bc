import type { Labels } from '../types.js';
import { parseNumber, unquote } from './lexical.js';

/**
 * Series descriptions as promqltest and promtool write them:
 * `metric{label="v"} 1 2+3x4 _ stale {{schema:0 sum:1 count:1}}x2`.
 * Expanding notation: `a+bxN` is N+1 values a, a+b, …; `axN` repeats a N+1
 * times; `_` is a missing sample and `_xN` N of them; `stale` a staleness
 * marker. Native histograms are recognised but not decoded: callers only need
 * to know where they are.
 */

export type SeqValue =
  | { kind: 'value'; v: number }
  | { kind: 'omitted' }
  | { kind: 'stale' }
  | { kind: 'histogram'; text: string };

export interface SeriesDesc {
  labels: Labels;
  values: SeqValue[];
}

export class SeriesDescError extends Error {}

/** Reads `name{a="b", "c"="d"}` from the start of `s`; returns the labels and the rest. */
export function parseMetric(s: string): { labels: Labels; rest: string } {
  const labels: Record<string, string> = {};
  let i = 0;
  const name = /^[A-Za-z_:][\w:]*/.exec(s);
  if (name) {
    labels.__name__ = name[0];
    i = name[0].length;
  }
  if (s[i] === '{') {
    i++;
    for (;;) {
      while (/\s/.test(s[i] ?? '')) i++;
      if (s[i] === '}') {
        i++;
        break;
      }
      const [key, afterKey] = readNameOrString(s, i);
      i = afterKey;
      while (/\s/.test(s[i] ?? '')) i++;
      if (s[i] !== '=') {
        // `{"metric_name"}` names the metric.
        labels.__name__ = key;
      } else {
        i++;
        while (/\s/.test(s[i] ?? '')) i++;
        const [value, afterValue] = readString(s, i);
        if (value !== '') labels[key] = value;
        i = afterValue;
      }
      while (/\s/.test(s[i] ?? '')) i++;
      if (s[i] === ',') i++;
      else if (s[i] !== '}') throw new SeriesDescError(`expected "," or "}" at ${i} in ${s}`);
    }
  }
  if (i === 0) throw new SeriesDescError(`expected a metric name or label set in ${JSON.stringify(s)}`);
  return { labels, rest: s.slice(i) };
}

function readNameOrString(s: string, i: number): [string, number] {
  if (s[i] === '"' || s[i] === "'" || s[i] === '`') return readString(s, i);
  const m = /^[A-Za-z_][\w]*/.exec(s.slice(i));
  if (!m) throw new SeriesDescError(`expected a label name at ${i} in ${s}`);
  return [m[0], i + m[0].length];
}

function readString(s: string, i: number): [string, number] {
  const q = s[i];
  if (q !== '"' && q !== "'" && q !== '`')
    throw new SeriesDescError(`expected a quoted string at ${i} in ${s}`);
  let j = i + 1;
  while (j < s.length && s[j] !== q) j += s[j] === '\\' && q !== '`' ? 2 : 1;
  const v = unquote(s.slice(i, j + 1));
  if (v === undefined) throw new SeriesDescError(`invalid string ${s.slice(i, j + 1)}`);
  return [v, j + 1];
}

function num(text: string): number {
  const v = parseNumber(text);
  if (v === undefined) throw new SeriesDescError(`invalid number ${JSON.stringify(text)}`);
  return v;
}

function histogramToken(s: string, i: number): number {
  const end = s.indexOf('}}', i);
  if (end < 0) throw new SeriesDescError('unterminated histogram');
  return end + 2;
}

/** Expands the value part of a series description. */
/** Values one description may expand to: `1+0x100000000` ran the process out of memory. */
export const maxSeriesValues = 1_000_000;

function checkCount(n: number): void {
  if (!(n <= maxSeriesValues)) {
    throw new SeriesDescError(
      `a series may have at most ${maxSeriesValues} values; this one expands to ${n}`,
    );
  }
}

export function parseValues(s: string): SeqValue[] {
  const out: SeqValue[] = [];
  let i = 0;
  while (i < s.length) {
    if (/\s/.test(s[i]!)) {
      i++;
      continue;
    }
    if (s.startsWith('{{', i)) {
      let end = histogramToken(s, i);
      const text = s.slice(i, end);
      if ((s[end] === '+' || s[end] === '-') && s.startsWith('{{', end + 1)) end = histogramToken(s, end + 1);
      const times = /^x(\d+)/.exec(s.slice(end));
      const n = times ? Number(times[1]) + 1 : 1;
      checkCount(out.length + n);
      for (let k = 0; k < n; k++) out.push({ kind: 'histogram', text });
      i = end + (times ? times[0].length : 0);
      continue;
    }
    let j = i;
    while (j < s.length && !/\s/.test(s[j]!)) j++;
    const values = expandToken(s.slice(i, j), maxSeriesValues - out.length);
    checkCount(out.length + values.length);
    for (const v of values) out.push(v);
    i = j;
  }
  return out;
}

function expandToken(tok: string, room: number): SeqValue[] {
  if (tok === '_') return [{ kind: 'omitted' }];
  if (tok === 'stale') return [{ kind: 'stale' }];
  const times = /^(.*)x(\d+)$/.exec(tok);
  if (!times) return [{ kind: 'value', v: num(tok) }];
  const [, head, countText] = times as unknown as [string, string, string];
  const count = Number(countText);
  if (!(count < room)) checkCount(maxSeriesValues - room + count + 1);
  if (head === '_') return Array.from({ length: count }, () => ({ kind: 'omitted' as const }));
  // Split `a+b` / `a-b` at a sign that is neither leading nor part of an exponent.
  const split = /^([+-]?[^+-]*?(?:[eE][+-]?\d+)?)([+-].*)$/.exec(head);
  let v = num(split ? split[1]! : head);
  const inc = split ? num(split[2]!) : 0;
  const out: SeqValue[] = [];
  for (let k = 0; k <= count; k++) {
    out.push({ kind: 'value', v });
    v += inc;
  }
  return out;
}

/** Parses a whole line: metric, then values. */
export function parseSeriesDesc(line: string): SeriesDesc {
  const { labels, rest } = parseMetric(line.trim());
  return { labels, values: parseValues(rest) };
}

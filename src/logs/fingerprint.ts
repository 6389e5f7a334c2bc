import { createHash } from 'node:crypto';

/**
 * An error line reduced to its template: the parts that change from one
 * occurrence to the next (numbers, hex ids, UUIDs, quoted values, IPs) become
 * placeholders, so 10,000 "timeout after 5013ms for order 88231" lines count as
 * one message. Pure; the leading timestamp and level are dropped first.
 *
 * @example
 *   template('2026-11-27T03:14:15Z ERROR db timeout after 5013ms id="a1"')
 *   // → 'ERROR db timeout after <n>ms id=<str>'
 */
export function template(line: string): string {
  const sink = new StringSink();
  walk(line, sink);
  return sink.out;
}

/**
 * The same template as a 53-bit hash, computed without building the string:
 * what the counting table keys on (the string is built once per template).
 */
export function templateHash(line: string): number {
  const sink = new HashSink();
  walk(line, sink);
  return (sink.h1 >>> 0) * 2097152 + ((sink.h2 >>> 0) & 0x1fffff);
}

interface Sink {
  range(s: string, i: number, j: number): void;
  text(t: string): void;
}

class StringSink implements Sink {
  out = '';
  range(s: string, i: number, j: number): void {
    this.out += s.slice(i, j);
  }
  text(t: string): void {
    this.out += t;
  }
}

class HashSink implements Sink {
  h1 = 0x811c9dc5;
  h2 = 0x9747b28c;
  range(s: string, i: number, j: number): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let k = i; k < j; k++) {
      const c = s.charCodeAt(k);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    this.h1 = h1;
    this.h2 = h2;
  }
  text(t: string): void {
    this.range(t, 0, t.length);
  }
}

function walk(line: string, sink: Sink): void {
  const start = timestampEnd(line);
  const n = Math.min(line.length, start + 2000);
  const s = line;
  let i = start;
  // whitespace runs become one space, none at either end
  let pendingSpace = false;
  let any = false;
  const before = () => {
    if (pendingSpace && any) sink.text(' ');
    pendingSpace = false;
    any = true;
  };
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 39) {
      const close = closingQuote(s, i, c);
      if (close > 0) {
        before();
        sink.text('<str>');
        i = close + 1;
        continue;
      }
    }
    if (isAlnum(c)) {
      let j = i + 1;
      while (j < n && isAlnum(s.charCodeAt(j))) j++;
      before();
      if (i > start && s.charCodeAt(i - 1) === 95) {
        sink.range(s, i, j);
        i = j;
      } else i = token(s, i, j, sink);
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 10) {
      pendingSpace = true;
      i++;
      continue;
    }
    before();
    sink.range(s, i, i + 1);
    i++;
  }
}

const uuidAt = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z])/y;
const ipv4At = /\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?![0-9A-Za-z])/y;
const ipv6At = /[0-9a-fA-F]{1,4}(?::{1,2}[0-9a-fA-F]{1,4}){2,7}(?![0-9A-Za-z:])/y;
const numberAt = /\d+(?:\.\d+)?/y;

/** One alphanumeric run s[i, j): a placeholder, or the run with its digits replaced. Returns where it ended. */
function token(s: string, i: number, j: number, sink: Sink): number {
  const len = j - i;
  const c = s.charCodeAt(i);
  if (len === 8 && s.charCodeAt(j) === 45) {
    uuidAt.lastIndex = i;
    if (uuidAt.test(s)) {
      sink.text('<uuid>');
      return uuidAt.lastIndex;
    }
  }
  if (isDigit(c)) {
    const next = s.charCodeAt(j);
    if (next === 46 && len <= 3) {
      ipv4At.lastIndex = i;
      if (ipv4At.test(s)) {
        sink.text('<ip>');
        return ipv4At.lastIndex;
      }
    }
    const x = s.charCodeAt(i + 1);
    if (c === 48 && len > 2 && (x === 120 || x === 88) && allHex(s, i + 2, j)) {
      sink.text('<hex>');
      return j;
    }
  }
  if (len <= 4 && s.charCodeAt(j) === 58) {
    ipv6At.lastIndex = i;
    // a clock time (03:14:15) is not an address: ask for "::" or five groups
    const m = ipv6At.exec(s);
    if (m && (m[0].includes('::') || m[0].split(':').length >= 5)) {
      sink.text('<ip>');
      return ipv6At.lastIndex;
    }
  }
  let digits = 0;
  let hexOnly = true;
  for (let k = i; k < j; k++) {
    const d = s.charCodeAt(k);
    if (isDigit(d)) digits++;
    else if (!((d >= 97 && d <= 102) || (d >= 65 && d <= 70))) hexOnly = false;
  }
  if (digits === 0) {
    sink.range(s, i, j);
    return j;
  }
  // Ids of 8+ hex digits are ids even when they happen to hold no letter; shorter ones (a 7-digit
  // payment id "65631f5") when they mix digits and hex letters.
  if (hexOnly && (len >= 8 || (len >= 6 && digits < len))) {
    sink.text('<hex>');
    return j;
  }
  if (digits === len) {
    numberAt.lastIndex = i;
    numberAt.test(s);
    sink.text('<n>');
    return numberAt.lastIndex;
  }
  let from = i;
  for (let k = i; k < j; ) {
    if (!isDigit(s.charCodeAt(k))) {
      k++;
      continue;
    }
    if (k > from) sink.range(s, from, k);
    sink.text('<n>');
    while (k < j && isDigit(s.charCodeAt(k))) k++;
    from = k;
  }
  if (j > from) sink.range(s, from, j);
  return j;
}

function allHex(s: string, i: number, j: number): boolean {
  for (let k = i; k < j; k++) {
    const d = s.charCodeAt(k);
    if (!(isDigit(d) || (d >= 97 && d <= 102) || (d >= 65 && d <= 70))) return false;
  }
  return true;
}

function closingQuote(s: string, i: number, q: number): number {
  for (let k = i + 1; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 92) k++;
    else if (c === q) return k;
  }
  return -1;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** A short stable id for a template, for JSON output and links. */
export function fingerprintId(tpl: string): string {
  return createHash('sha1').update(tpl).digest('hex').slice(0, 12);
}

const leadingTime =
  /^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?\s*|^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}\s+/;

/** Where the text after a leading timestamp starts (0 when there is none). */
function timestampEnd(line: string): number {
  // The common shape, 2026-11-27T03:14:15.123Z, without a regular expression.
  if (line.length > 20 && line.charCodeAt(4) === 45 && line.charCodeAt(13) === 58) {
    const t = line.charCodeAt(10);
    if ((t === 84 || t === 32) && isDigit(line.charCodeAt(0))) {
      const sp = line.indexOf(' ', 19);
      if (sp > 0 && sp < 40) return sp + 1;
    }
  }
  const m = leadingTime.exec(line);
  return m ? m[0].length : 0;
}

export interface Fingerprint {
  id: string;
  template: string;
  level: string;
  count: number;
  /** ms since the epoch, or undefined when no line carried a time */
  firstSeen?: number;
  lastSeen?: number;
  sample: string;
}

/** Counts lines per template, keeping first/last seen and the first line as its sample. */
export class FingerprintTable {
  /** by template hash: 53 bits, so two templates sharing one is a once-in-10^15 event */
  readonly #byTemplate = new Map<number, Fingerprint & { firstLine?: string; lastLine?: string }>();
  /** a bound on distinct templates, so a log of unique garbage cannot exhaust memory */
  constructor(private readonly maxTemplates = 50_000) {}

  /**
   * Count one line (by `message` when given: a structured line's message field). `at` may be left out when lines arrive in time order: the
   * times of each template's first and last line are then read once, in top().
   */
  add(level: string, line: string, at?: number, message: string = line): void {
    // A structured line is counted by its message; the whole line stays as the sample (its context).
    const key = templateHash(message);
    let fp = this.#byTemplate.get(key);
    if (!fp) {
      if (this.#byTemplate.size >= this.maxTemplates) return;
      const sample = line.length > 500 ? `${line.slice(0, 497)}...` : line;
      fp = { id: '', template: template(message), level, count: 0, sample, firstLine: line };
      this.#byTemplate.set(key, fp);
    }
    fp.count++;
    if (at !== undefined) {
      if (fp.firstSeen === undefined || at < fp.firstSeen) fp.firstSeen = at;
      if (fp.lastSeen === undefined || at > fp.lastSeen) fp.lastSeen = at;
    } else fp.lastLine = line;
  }

  /** The most frequent templates first; ties by first seen. */
  top(n: number, timeOf: (line: string) => number | undefined = () => undefined): Fingerprint[] {
    const all = [...this.#byTemplate.values()];
    for (const f of all) {
      for (const line of [f.firstLine, f.lastLine]) {
        const at = line === undefined ? undefined : timeOf(line);
        if (at === undefined) continue;
        if (f.firstSeen === undefined || at < f.firstSeen) f.firstSeen = at;
        if (f.lastSeen === undefined || at > f.lastSeen) f.lastSeen = at;
      }
    }
    return all
      .sort((a, b) => b.count - a.count || (a.firstSeen ?? 0) - (b.firstSeen ?? 0))
      .slice(0, n)
      .map(({ firstLine: _f, lastLine: _l, ...f }) => ({ ...f, id: fingerprintId(f.template) }));
  }

  get size(): number {
    return this.#byTemplate.size;
  }

  /** The table's rows, to send to another thread and merge there. */
  entries(): TableEntry[] {
    return [...this.#byTemplate];
  }

  /**
   * Adds the rows of a table that counted the lines after this one's (a later byte range of the
   * same file): counts add up, the first line stays this table's, the last becomes the other's.
   */
  merge(rows: readonly TableEntry[]): void {
    for (const [key, theirs] of rows) {
      const fp = this.#byTemplate.get(key);
      if (!fp) {
        if (this.#byTemplate.size < this.maxTemplates) this.#byTemplate.set(key, { ...theirs });
        continue;
      }
      fp.count += theirs.count;
      if (theirs.firstSeen !== undefined && (fp.firstSeen === undefined || theirs.firstSeen < fp.firstSeen))
        fp.firstSeen = theirs.firstSeen;
      if (theirs.lastSeen !== undefined && (fp.lastSeen === undefined || theirs.lastSeen > fp.lastSeen))
        fp.lastSeen = theirs.lastSeen;
      if (fp.firstLine === undefined) fp.firstLine = theirs.firstLine;
      if (theirs.lastLine !== undefined) fp.lastLine = theirs.lastLine;
    }
  }
}

/** One row of a FingerprintTable: its template hash and what was counted under it. */
export type TableEntry = [number, Fingerprint & { firstLine?: string; lastLine?: string }];

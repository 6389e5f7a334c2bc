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
  let s = stripTimestamp(line);
  if (s.length > 2000) s = s.slice(0, 2000);
  let out = '';
  let i = 0;
  const n = s.length;
  let space = false;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 39) {
      const close = closingQuote(s, i, c);
      if (close > 0) {
        out += '<str>';
        i = close + 1;
        space = false;
        continue;
      }
    }
    if (isAlnum(c)) {
      let j = i + 1;
      while (j < n && isAlnum(s.charCodeAt(j))) j++;
      const preceded = i > 0 && s.charCodeAt(i - 1) === 95;
      const [text, next] = preceded ? [s.slice(i, j), j] : token(s, i, j);
      out += text;
      i = next;
      space = false;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 10) {
      if (!space && out.length) out += ' ';
      space = true;
      i++;
      continue;
    }
    out += s[i];
    space = false;
    i++;
  }
  return space ? out.slice(0, -1) : out;
}

const uuidAt = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z])/y;
const ipv4At = /\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?![0-9A-Za-z])/y;
const ipv6At = /[0-9a-fA-F]{1,4}(?::{1,2}[0-9a-fA-F]{1,4}){2,7}(?![0-9A-Za-z:])/y;
const numberAt = /\d+(?:\.\d+)?/y;

/** One alphanumeric run s[i, j): a placeholder, or the run with its digits replaced. */
function token(s: string, i: number, j: number): [string, number] {
  const len = j - i;
  const c = s.charCodeAt(i);
  if (len === 8 && s.charCodeAt(j) === 45) {
    uuidAt.lastIndex = i;
    if (uuidAt.test(s)) return ['<uuid>', uuidAt.lastIndex];
  }
  if (isDigit(c)) {
    const next = s.charCodeAt(j);
    if (next === 46 && len <= 3) {
      ipv4At.lastIndex = i;
      if (ipv4At.test(s)) return ['<ip>', ipv4At.lastIndex];
    }
    const x = s.charCodeAt(i + 1);
    if (c === 48 && len > 2 && (x === 120 || x === 88) && /^[0-9a-fA-F]+$/.test(s.slice(i + 2, j))) {
      return ['<hex>', j];
    }
  }
  if (len <= 4 && s.charCodeAt(j) === 58) {
    ipv6At.lastIndex = i;
    // a clock time (03:14:15) is not an address: ask for "::" or five groups
    const m = ipv6At.exec(s);
    if (m && (m[0].includes('::') || m[0].split(':').length >= 5)) return ['<ip>', ipv6At.lastIndex];
  }
  let digits = 0;
  let hexOnly = true;
  for (let k = i; k < j; k++) {
    const d = s.charCodeAt(k);
    if (isDigit(d)) digits++;
    else if (!((d >= 97 && d <= 102) || (d >= 65 && d <= 70))) hexOnly = false;
  }
  if (digits === 0) return [s.slice(i, j), j];
  // Ids of 8+ hex digits are ids even when they happen to hold no letter.
  if (len >= 8 && hexOnly) return ['<hex>', j];
  if (digits === len) {
    numberAt.lastIndex = i;
    numberAt.test(s);
    return ['<n>', numberAt.lastIndex];
  }
  let out = '';
  let inDigits = false;
  for (let k = i; k < j; k++) {
    const d = s.charCodeAt(k);
    if (isDigit(d)) {
      if (!inDigits) out += '<n>';
      inDigits = true;
    } else {
      out += s[k];
      inDigits = false;
    }
  }
  return [out, j];
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

function stripTimestamp(line: string): string {
  // The common shape, 2026-11-27T03:14:15.123Z, without a regular expression.
  if (line.length > 20 && line.charCodeAt(4) === 45 && line.charCodeAt(13) === 58) {
    const t = line.charCodeAt(10);
    if ((t === 84 || t === 32) && isDigit(line.charCodeAt(0))) {
      const sp = line.indexOf(' ', 19);
      if (sp > 0 && sp < 40) return line.slice(sp + 1);
    }
  }
  return line.replace(leadingTime, '');
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
  readonly #byTemplate = new Map<string, Fingerprint & { firstLine?: string; lastLine?: string }>();
  /** a bound on distinct templates, so a log of unique garbage cannot exhaust memory */
  constructor(private readonly maxTemplates = 50_000) {}

  /**
   * Count one line. `at` may be left out when lines arrive in time order: the
   * times of each template's first and last line are then read once, in top().
   */
  add(level: string, line: string, at?: number): void {
    const tpl = template(line);
    let fp = this.#byTemplate.get(tpl);
    if (!fp) {
      if (this.#byTemplate.size >= this.maxTemplates) return;
      const sample = line.length > 500 ? `${line.slice(0, 497)}...` : line;
      fp = { id: '', template: tpl, level, count: 0, sample, firstLine: line };
      this.#byTemplate.set(tpl, fp);
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
}

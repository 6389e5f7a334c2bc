/**
 * PromQL's lexical rules for literals: string unquoting (Go escapes, raw
 * backticks), numbers (hex, octal, Inf/NaN) and durations. Kept apart from the
 * tree walk because the promqltest runner reads the same literals.
 */

const simpleEscapes: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
};

/**
 * Unquotes a single-, double- or back-quoted literal the way Prometheus does.
 * Returns undefined on a syntax error. Invalid UTF-8 (e.g. `"\xff"`) survives as
 * lone surrogates so that label-name validation can still reject it.
 */
export function unquote(s: string): string | undefined {
  if (s.length < 2) return undefined;
  const quote = s[0]!;
  if (quote !== s[s.length - 1]) return undefined;
  const body = s.slice(1, -1);
  if (quote === '`') return body.includes('`') ? undefined : body;
  if (quote !== '"' && quote !== "'") return undefined;
  if (body.includes('\n')) return undefined;
  if (!body.includes('\\') && !body.includes(quote)) return body;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === quote) return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...enc.encode(ch));
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    i += 2;
    if (e in simpleEscapes) {
      bytes.push(simpleEscapes[e]!);
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (hex.length < n || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
      const v = Number.parseInt(hex, 16);
      i += n;
      if (e === 'x') bytes.push(v);
      else if (v > 0x10ffff) return undefined;
      else bytes.push(...enc.encode(String.fromCodePoint(v)));
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      const v = Number.parseInt(oct, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 2;
    } else if (e === "'" || e === '"') {
      if (e !== quote) return undefined;
      bytes.push(e.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  return decodeUtf8Lossless(Uint8Array.from(bytes));
}

/** UTF-8 decoding that keeps each invalid byte as the lone surrogate U+DC00+byte. */
function decodeUtf8Lossless(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i]!;
      const len =
        b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
      if (len > 0) {
        try {
          out += new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + len));
          i += len;
          continue;
        } catch {
          // fall through: keep the byte as an escape
        }
      }
      out += String.fromCharCode(0xdc00 | b);
      i++;
    }
    return out;
  }
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Prometheus 3 accepts any non-empty valid UTF-8 string as a label name. */
export function isValidLabelName(name: string): boolean {
  return name.length > 0 && !loneSurrogate.test(name);
}

/**
 * A PromQL number: Go's ParseInt with base prefixes first (so `010` is octal and
 * `0x1f` hex, as in Prometheus), then ParseFloat (which knows Inf and NaN).
 */
export function parseNumber(text: string): number | undefined {
  const s = text.replace(/_/g, '');
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[+-]/, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) return sign * Number.parseInt(body.slice(2), 16);
  if (/^0[oO]?[0-7]+$/.test(body)) return sign * Number.parseInt(body.replace(/^0[oO]?/, ''), 8);
  if (/^0[bB][01]+$/.test(body)) return sign * Number.parseInt(body.slice(2), 2);
  const lower = body.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return sign * Number.POSITIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(body)) return undefined;
  return sign * Number(body);
}

const unitMs: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const unitOrder = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/** A Prometheus duration such as `1h30m` or `10s53ms` (units in decreasing order), or `0`. */
export function parseDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+)(ms|y|w|d|h|m|s)/y;
  let total = 0;
  let pos = 0;
  let lastUnit = -1;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    const u = unitOrder.indexOf(m[2]!);
    if (u <= lastUnit) return undefined;
    lastUnit = u;
    total += Number(m[1]) * unitMs[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos === 0 ? undefined : total;
}

/** A number literal or a duration, in seconds, as PromQL reads `3600` and `1h` alike. */
export function parseNumberOrDuration(text: string): number | undefined {
  const n = parseNumber(text);
  if (n !== undefined) return n;
  const sign = text.startsWith('-') ? -1 : 1;
  const ms = parseDurationMs(text.replace(/^[+-]/, ''));
  return ms === undefined ? undefined : (sign * ms) / 1000;
}

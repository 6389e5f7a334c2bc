/**
 * Numbers as the exposition formats write them, read straight from the text
 * without slicing it in the common case.
 *
 * The accepted float syntax is Prometheus's: Go's `strconv.ParseFloat` without
 * hexadecimal floats and without `_` (textparse's `parseFloat`), so
 * `1`, `-2.5`, `.5`, `5.`, `1e-3`, `1E+06`, `NaN`, `Inf`, `+Inf`, `-inf`,
 * `Infinity` are numbers, and `0x10`, `1_000`, `+NaN`, `1e`, `e1`, `` are not.
 */

// Exact powers of ten: with a mantissa below 2^53 and |exponent| <= 22 one
// multiplication or division rounds correctly (Clinger's fast path).
const pow10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const maxExact = 2 ** 53;

/** The float in text[start, end), or undefined when it is not one. */
export function parseFloatAt(text: string, start: number, end: number): number | undefined {
  let i = start;
  if (i >= end) return undefined;
  let c = text.charCodeAt(i);
  let negative = false;
  if (c === 43 || c === 45) {
    negative = c === 45;
    if (++i >= end) return undefined;
    c = text.charCodeAt(i);
  }
  if (c > 57) return special(text, i, end, i > start, negative);

  let mantissa = 0;
  let digits = 0; // significant digits seen
  let scale = 0; // decimal exponent from the position of the point
  let any = false;
  while (c >= 48 && c <= 57) {
    any = true;
    if (digits > 0 || c !== 48) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
    }
    if (++i >= end) break;
    c = text.charCodeAt(i);
  }
  if (i < end && c === 46) {
    i++;
    for (; i < end; i++) {
      c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      any = true;
      if (digits > 0 || c !== 48) {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
      }
      scale--;
    }
  }
  if (!any) return undefined;
  let exponent = 0;
  if (i < end) {
    c = text.charCodeAt(i);
    if (c !== 101 && c !== 69) return undefined;
    if (++i >= end) return undefined;
    c = text.charCodeAt(i);
    let expNegative = false;
    if (c === 43 || c === 45) {
      expNegative = c === 45;
      if (++i >= end) return undefined;
    }
    const expStart = i;
    for (; i < end; i++) {
      c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      // Saturate: beyond this the value is 0 or infinite anyway.
      if (exponent < 100_000) exponent = exponent * 10 + (c - 48);
    }
    if (i === expStart || i < end) return undefined;
    if (expNegative) exponent = -exponent;
  }
  const e10 = exponent + scale;
  let value: number;
  if (digits <= 15 && mantissa < maxExact && e10 >= -22 && e10 <= 22) {
    value = e10 < 0 ? mantissa / pow10[-e10]! : mantissa * pow10[e10]!;
  } else {
    // Syntax is checked above; Number() rounds exactly for what passed it.
    value = Math.abs(Number(text.slice(start, end)));
    // Go's ParseFloat reports an overflow as an error, and so do we.
    if (value === Number.POSITIVE_INFINITY) return undefined;
  }
  return negative ? -value : value;
}

/** Inf, Infinity (any case, optional sign) and NaN (any case, no sign), as Go spells them. */
function special(
  text: string,
  i: number,
  end: number,
  signed: boolean,
  negative: boolean,
): number | undefined {
  const n = end - i;
  if (n === 3) {
    const word = text.slice(i, end).toLowerCase();
    if (word === 'inf') return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    if (word === 'nan' && !signed) return Number.NaN;
  } else if (n === 8 && text.slice(i, end).toLowerCase() === 'infinity') {
    return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return undefined;
}

/**
 * The integer in text[start, end): optional "-" or "+", then digits, within
 * JavaScript's exact integer range (ms timestamps are ~1.8e12). Undefined
 * otherwise.
 */
export function parseIntAt(text: string, start: number, end: number): number | undefined {
  let i = start;
  if (i >= end) return undefined;
  let c = text.charCodeAt(i);
  const negative = c === 45;
  if (c === 43 || c === 45) {
    if (++i >= end) return undefined;
  }
  let value = 0;
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    value = value * 10 + (c - 48);
  }
  if (value > Number.MAX_SAFE_INTEGER) return undefined;
  return negative ? -value : value;
}

/**
 * A float as OpenMetrics writes it, the way Prometheus 3 normalises `le` and
 * `quantile` label values (`labels.FormatOpenMetricsFloat`: Go's shortest
 * `%g`, plus ".0" on integers), so `le="1"` and `le="1.0"` are one series.
 */
export function formatOpenMetricsFloat(f: number): string {
  if (f === 1) return '1.0';
  if (f === 0) return '0.0';
  if (f === -1) return '-1.0';
  if (Number.isNaN(f)) return 'NaN';
  if (f === Number.POSITIVE_INFINITY) return '+Inf';
  if (f === Number.NEGATIVE_INFINITY) return '-Inf';
  const e = f.toExponential();
  const at = e.indexOf('e');
  const exponent = Number(e.slice(at + 1));
  // Go's %g with the shortest precision switches to exponent form outside [-4, 6).
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${e.slice(0, at)}e${sign}${digits}`;
  }
  const s = String(f);
  return s.includes('.') ? s : `${s}.0`;
}

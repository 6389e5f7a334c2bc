import { formatOpenMetricsFloat, parseFloatAt, parseIntAt } from './numbers.js';
import { isNameChar, isNameStart, Scanner } from './scanner.js';

/** Receives each sample in order; `labels` is a fresh object the receiver may keep. */
export type SampleSink = (
  name: string,
  labels: Record<string, string>,
  value: number,
  timestampMs: number | undefined,
) => void;

const pow10 = Array.from({ length: 16 }, (_, i) => Number(`1e${i}`));
const valueHint = 'a number as the value (e.g. 1, -2.5e3, NaN, +Inf)';

/**
 * Reads sample lines: name, labels, value, timestamp and (OpenMetrics)
 * exemplar, in either format, and hands each sample to the sink.
 */
export class SampleReader extends Scanner {
  /** samples given to the sink */
  count = 0;

  // The family the last TYPE line declared, for Prometheus 3's normalisation
  // of `le`/`quantile` values and for skipping OpenMetrics `_created` series.
  normalizeName: string | undefined = undefined;
  normalizeLabel = '';
  createdName: string | undefined = undefined;

  private lastName: string | undefined = undefined;
  private readonly normalized = new Map<string, string>();

  constructor(
    text: string,
    om: boolean,
    private readonly skipCreated: boolean,
  ) {
    super(text, om);
  }

  /** A sample line whose first character, at `i`, is not a blank. */
  sampleLine(i: number, sink: SampleSink): void {
    const text = this.text;
    const eol = this.eol;
    const om = this.om;
    const c = text.charCodeAt(i);
    let name: string;
    let labels: Record<string, string>;
    const last = this.lastName;
    if (last !== undefined && text.startsWith(last, i) && !isNameChar(text.charCodeAt(i + last.length))) {
      name = last;
      i += last.length;
      if (!om) i = this.skipBlanks(i);
      if (i < eol && text.charCodeAt(i) === 123) {
        labels = this.readLabels(i + 1, false);
        i = this.after;
      } else labels = {};
    } else if (isNameStart(c)) {
      name = this.readName(i);
      this.lastName = name;
      i = om ? this.after : this.skipBlanks(this.after);
      if (i < eol && text.charCodeAt(i) === 123) {
        labels = this.readLabels(i + 1, false);
        i = this.after;
      } else labels = {};
    } else if (c === 123) {
      labels = this.readLabels(i + 1, true);
      if (this.quotedName === undefined) this.fail(i + 1, 'a metric name, quoted, first in the braces');
      name = this.quotedName;
      i = this.after;
    } else {
      this.fail(i, om ? 'a metric name, "# HELP", "# TYPE", "# UNIT" or "# EOF"' : 'a metric name or "#"');
    }

    if (om) {
      if (i >= eol || text.charCodeAt(i) !== 32) this.fail(i, 'one space and the value');
      i++;
    } else i = this.skipBlanks(i);
    const value = this.readValue(i);
    i = this.after;

    let timestampMs: number | undefined;
    if (i < eol) timestampMs = om ? this.omTail(i) : this.promTail(i);

    if (this.skipCreated && name === this.createdName) return;
    if (name === this.normalizeName) {
      const raw = labels[this.normalizeLabel];
      if (raw !== undefined) labels[this.normalizeLabel] = this.normalize(raw);
    }
    this.count++;
    sink(name, labels, value, timestampMs);
  }

  /**
   * The value at `i`, up to a blank or the end of the line. Plain decimals of
   * up to 15 digits, most values, are converted in the same pass.
   */
  private readValue(i: number): number {
    const text = this.text;
    const eol = this.eol;
    const start = i;
    let c = i < eol ? text.charCodeAt(i) : -1;
    const negative = c === 45;
    if (negative) c = ++i < eol ? text.charCodeAt(i) : -1;
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      c = ++i < eol ? text.charCodeAt(i) : -1;
    }
    if (c === 46) {
      c = ++i < eol ? text.charCodeAt(i) : -1;
      while (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        scale++;
        c = ++i < eol ? text.charCodeAt(i) : -1;
      }
    }
    if ((c === 32 || c === -1 || c === 9) && digits > 0 && digits <= 15) {
      this.after = i;
      const v = scale === 0 ? mantissa : mantissa / pow10[scale]!;
      return negative ? -v : v;
    }
    i = this.tokenEnd(i, true);
    const value = parseFloatAt(text, start, i);
    if (value === undefined) this.fail(start, valueHint);
    this.after = i;
    return value;
  }

  /** Text format 0.0.4 after the value: blanks, an optional integer timestamp in ms, blanks. */
  private promTail(i: number): number | undefined {
    const text = this.text;
    const eol = this.eol;
    i = this.skipBlanks(i);
    if (i >= eol) return undefined;
    const at = i;
    i = this.tokenEnd(i, true);
    const ts = parseIntAt(text, at, i);
    if (ts === undefined) this.fail(at, 'a timestamp in integer milliseconds, or end of line');
    if (this.skipBlanks(i) < eol) this.fail(this.skipBlanks(i), 'end of line after the timestamp');
    return ts;
  }

  /** OpenMetrics after the value: [" " timestamp-in-seconds] [" # {labels} value [timestamp]"]. */
  private omTail(i: number): number | undefined {
    const text = this.text;
    const eol = this.eol;
    if (text.charCodeAt(i) !== 32) this.fail(i, 'one space, or end of line');
    if (text.charCodeAt(i + 1) === 35) {
      this.exemplar(i);
      return undefined;
    }
    const at = i + 1;
    i = this.tokenEnd(at, false);
    const seconds = this.omTimestamp(at, i);
    if (i < eol) {
      if (text.charCodeAt(i + 1) !== 35) this.fail(i + 1, 'an exemplar " # {…} value", or end of line');
      this.exemplar(i);
    }
    // Prometheus truncates (int64(ts * 1000)), turning 1.001 s into 1000 ms; rounding keeps
    // the millisecond the exposer wrote.
    return Math.round(seconds * 1000);
  }

  private omTimestamp(at: number, end: number): number {
    const seconds = parseFloatAt(this.text, at, end);
    if (seconds === undefined || !Number.isFinite(seconds)) {
      this.fail(at, 'a timestamp in seconds (e.g. 1700000000.123), or end of line');
    }
    return seconds;
  }

  /** Checks and skips an exemplar, which starts with the " # " at `i`. Vigil keeps no exemplars. */
  private exemplar(i: number): void {
    const text = this.text;
    const eol = this.eol;
    if (!text.startsWith(' # {', i)) this.fail(i + 1, 'an exemplar " # {…} value"');
    this.readLabels(i + 4, false);
    i = this.after;
    if (i >= eol || text.charCodeAt(i) !== 32) this.fail(i, 'one space and the exemplar value');
    const at = i + 1;
    i = this.tokenEnd(at, false);
    if (parseFloatAt(text, at, i) === undefined) this.fail(at, 'a number as the exemplar value');
    if (i < eol) {
      const tsAt = i + 1;
      i = this.tokenEnd(tsAt, false);
      this.omTimestamp(tsAt, i);
      if (i < eol) this.fail(i, 'end of line after the exemplar');
    }
  }

  private normalize(raw: string): string {
    let out = this.normalized.get(raw);
    if (out === undefined) {
      const f = parseFloatAt(raw, 0, raw.length);
      out = f === undefined ? raw : formatOpenMetricsFloat(f);
      this.normalized.set(raw, out);
    }
    return out;
  }
}

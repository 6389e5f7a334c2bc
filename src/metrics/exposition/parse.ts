/**
 * Prometheus text exposition (format 0.0.4) and OpenMetrics 1.0 text, parsed
 * by hand.
 *
 * Why not a package: the one npm parser still in use,
 * `parse-prometheus-text-format` (1.1.1, December 2024, a port of the Python
 * client's parser), splits the input into lines and builds every name and
 * value by appending one character at a time; it keeps values and timestamps
 * as unchecked strings in prom2json-style families, does not read OpenMetrics
 * (`# EOF`, `# UNIT`, exemplars, timestamps in seconds), and its error names
 * the offending line's text but not its number or what was wrong there.
 * Vigil needs numbers, Prometheus's rules on what is accepted, errors with a
 * line, a column and what was expected, and several times the speed of a
 * split-and-regex parser (`bench/parse.mjs` measures both, and promtool).
 *
 * What is accepted follows Prometheus's own lexers (model/textparse
 * promlex.l and openmetricslex.l): a target Prometheus scrapes, Vigil scrapes.
 * Deliberate differences: a raw newline inside a label value is an error in
 * both formats (Prometheus's 0.0.4 lexer lets one through); a label name given
 * twice, or `__name__` as a label, is an error here rather than at ingestion;
 * a 0.0.4 timestamp may be negative, as the format's documentation shows; an
 * OpenMetrics timestamp is rounded to the millisecond, not truncated.
 */
import { omComment, promComment } from './metadata.js';
import { SampleReader, type SampleSink } from './sample-reader.js';

export { ExpositionError } from './exposition-error.js';
export type { SampleSink } from './sample-reader.js';

/** `prometheus` is text format 0.0.4 (`text/plain`); `openmetrics` is OpenMetrics 1.0 text. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** OpenMetrics' family types; 0.0.4's `untyped` is `unknown`, as Prometheus reads it. */
export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'gaugehistogram'
  | 'summary'
  | 'info'
  | 'stateset'
  | 'unknown';

/** What the HELP, TYPE and UNIT lines said about one metric family. */
export interface FamilyMetadata {
  name: string;
  type: MetricType;
  help?: string;
  unit?: string;
}

export interface ExpositionSample {
  /** the sample's own name: `http_requests_total`, `latency_seconds_bucket` */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** when the exposition gave one; milliseconds since the epoch */
  timestampMs?: number | undefined;
}

export interface ParseOptions {
  /** default `prometheus`; see `formatOf` to choose by Content-Type */
  format?: ExpositionFormat;
  /**
   * Drop OpenMetrics `<family>_created` samples of counters, histograms and
   * summaries. Default false: kept as series, as Prometheus does unless its
   * created-timestamp feature is on.
   */
  skipCreatedSeries?: boolean;
}

export interface Exposition {
  format: ExpositionFormat;
  samples: ExpositionSample[];
  /** by family name as the HELP/TYPE/UNIT lines wrote it (OpenMetrics: without `_total`) */
  families: Map<string, FamilyMetadata>;
}

/**
 * Parse a whole exposition. Throws `ExpositionError` (and nothing else) on
 * the first line that breaks the format: nothing half-parsed is returned.
 *
 * @example
 *   const { samples, families } = parseExposition(
 *     '# TYPE http_requests_total counter\nhttp_requests_total{code="200"} 1027 1395066363000\n',
 *   );
 *   // samples[0]: { name: 'http_requests_total', labels: { code: '200' }, value: 1027, timestampMs: 1395066363000 }
 *   // families.get('http_requests_total')?.type === 'counter'
 */
export function parseExposition(text: string, options: ParseOptions = {}): Exposition {
  const samples: ExpositionSample[] = [];
  const families = scanExposition(
    text,
    (name, labels, value, timestampMs) => {
      samples.push({ name, labels, value, timestampMs });
    },
    options,
  ).families;
  return { format: options.format ?? 'prometheus', samples, families };
}

/**
 * Parse an exposition, handing each sample to `sink` as it is read, without
 * building an array: about twice as fast as `parseExposition` when the
 * receiver keeps only some of what it is given, or builds its own objects.
 * Samples already handed over stay handed over when a later line throws.
 *
 * @example
 *   let up = 0;
 *   scanExposition(text, (name, labels, value) => { if (name === 'up') up += value; });
 */
export function scanExposition(
  text: string,
  sink: SampleSink,
  options: ParseOptions = {},
): { samples: number; families: Map<string, FamilyMetadata> } {
  const om = options.format === 'openmetrics';
  const s = new SampleReader(text, om, om && options.skipCreatedSeries === true);
  const families = new Map<string, FamilyMetadata>();
  const len = text.length;
  let pos = 0;
  let line = 0;
  let ended = false;
  while (pos < len) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = len;
    s.line = ++line;
    s.lineStart = pos;
    s.eol = eol;
    if (om) {
      if (eol === pos) s.fail(pos, 'a sample or a "# " line (OpenMetrics has no blank lines)');
      if (text.charCodeAt(pos) !== 35) s.sampleLine(pos, sink);
      else if (omComment(s, pos, families)) {
        ended = true;
        break;
      }
    } else {
      const i = s.skipBlanks(pos);
      if (i < eol) {
        if (text.charCodeAt(i) !== 35) s.sampleLine(i, sink);
        else promComment(s, i, families);
      }
    }
    pos = eol + 1;
  }
  if (om) {
    const rest = s.eol + 1;
    if (ended && rest < len) {
      s.line++;
      s.lineStart = rest;
      const eol = text.indexOf('\n', rest);
      s.eol = eol < 0 ? len : eol;
      s.fail(rest, 'end of input after "# EOF"');
    }
    if (!ended) {
      s.line = line + 1;
      s.lineStart = len;
      s.eol = len;
      s.fail(len, '"# EOF" as the last line of OpenMetrics text');
    }
  }
  return { samples: s.count, families };
}

/**
 * The format a response's Content-Type names: OpenMetrics for
 * `application/openmetrics-text`, the 0.0.4 text format for `text/plain`,
 * and undefined for anything else (the caller decides whether to try text).
 */
export function formatOf(contentType: string | undefined): ExpositionFormat | undefined {
  const media = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (media === 'application/openmetrics-text') return 'openmetrics';
  if (media === 'text/plain') return 'prometheus';
  return undefined;
}

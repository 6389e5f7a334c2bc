import { short } from './exposition-error.js';
import type { FamilyMetadata, MetricType } from './parse.js';
import type { SampleReader } from './sample-reader.js';

// HELP, TYPE and UNIT lines: what they may say in each format, and what they set.

const promTypes: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  untyped: 'unknown',
};
const omTypes: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'gaugehistogram',
  summary: 'summary',
  info: 'info',
  stateset: 'stateset',
  unknown: 'unknown',
};

/**
 * A 0.0.4 line starting with "#" at `i`: `# HELP name text`, `# TYPE name type`,
 * or any other comment. Blanks (spaces, tabs) separate the words.
 */
export function promComment(s: SampleReader, i: number, families: Map<string, FamilyMetadata>): void {
  const text = s.text;
  const eol = s.eol;
  const k = s.skipBlanks(i + 1);
  if (k === i + 1) return; // "#foo": a comment
  const help = text.startsWith('HELP', k);
  if (!help && !text.startsWith('TYPE', k)) return;
  const next = text.charCodeAt(k + 4);
  if (k + 4 >= eol || (next !== 32 && next !== 9)) return; // "# HELPER", "# TYPE": comments
  const keyword = help ? 'HELP' : 'TYPE';
  const name = s.readMetaName(s.skipBlanks(k + 4), keyword);
  let at = s.after;
  if (at < eol) {
    const c = text.charCodeAt(at);
    if (c !== 32 && c !== 9) s.fail(at, `a blank after the metric name in ${keyword}`);
    at = s.skipBlanks(at);
  }
  const family = familyOf(families, name);
  if (help) {
    family.help = decodeHelp(s, at, eol, false);
    return;
  }
  let end = eol;
  while (end > at && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  const word = text.slice(at, end);
  if (!Object.hasOwn(promTypes, word)) s.fail(at, 'a type: counter, gauge, histogram, summary or untyped');
  setType(s, family, promTypes[word]!);
}

/** An OpenMetrics line starting with "#": HELP, TYPE, UNIT or EOF. True on `# EOF`. */
export function omComment(s: SampleReader, i: number, families: Map<string, FamilyMetadata>): boolean {
  const text = s.text;
  const eol = s.eol;
  const kinds = '"# HELP", "# TYPE", "# UNIT" or "# EOF" (OpenMetrics has no other comments)';
  if (text.charCodeAt(i + 1) !== 32) s.fail(i, kinds);
  const k = i + 2;
  if (k + 3 === eol && text.startsWith('EOF', k)) return true;
  const keyword = text.slice(k, k + 5);
  if (keyword !== 'HELP ' && keyword !== 'TYPE ' && keyword !== 'UNIT ') s.fail(k, kinds);
  const what = keyword === 'HELP ' ? 'the help text' : keyword === 'TYPE ' ? 'the type' : 'the unit';
  const name = s.readMetaName(k + 5, keyword.trimEnd());
  const at = s.after + 1;
  if (s.after >= eol || text.charCodeAt(s.after) !== 32) s.fail(s.after, `one space and ${what}`);
  const family = familyOf(families, name);
  if (keyword === 'HELP ') {
    family.help = decodeHelp(s, at, eol, true);
  } else if (keyword === 'TYPE ') {
    const word = text.slice(at, eol);
    if (!Object.hasOwn(omTypes, word)) {
      s.fail(at, 'a type: counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown');
    }
    setType(s, family, omTypes[word]!);
  } else {
    const unit = text.slice(at, eol);
    if (unit !== '' && !name.endsWith(`_${unit}`)) {
      s.fail(at, `a unit that ends the metric name (${short(name)} does not end in _${short(unit)})`);
    }
    family.unit = unit;
  }
  return false;
}

function familyOf(families: Map<string, FamilyMetadata>, name: string): FamilyMetadata {
  let family = families.get(name);
  if (!family) {
    family = { name, type: 'unknown' };
    families.set(name, family);
  }
  return family;
}

/** Record a TYPE and tell the scanner which samples of it need Prometheus 3's treatment. */
function setType(s: SampleReader, family: FamilyMetadata, type: MetricType): void {
  family.type = type;
  const name = family.name;
  s.normalizeName =
    type === 'histogram'
      ? s.internName(`${name}_bucket`)
      : type === 'summary'
        ? s.internName(name)
        : undefined;
  s.normalizeLabel = type === 'histogram' ? 'le' : 'quantile';
  s.createdName =
    type === 'counter' || type === 'histogram' || type === 'summary'
      ? s.internName(`${name}_created`)
      : undefined;
}

/** HELP text: `\\` and `\n` are escapes in both formats, `\"` in OpenMetrics too; others stay. */
function decodeHelp(s: SampleReader, start: number, end: number, om: boolean): string {
  const text = s.text;
  if (s.backslashFrom(start) >= end) return text.slice(start, end);
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) !== 92 || i + 1 >= end) continue;
    const e = text.charCodeAt(i + 1);
    const decoded = e === 92 ? '\\' : e === 110 ? '\n' : e === 34 && om ? '"' : undefined;
    if (decoded !== undefined) {
      out += text.slice(from, i) + decoded;
      from = i + 2;
    }
    i++;
  }
  return out + text.slice(from, end);
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, LineCounter, type Node, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from '../core/did-you-mean.js';
import { type ConfigProblem, VigilError } from '../errors.js';
import { type Env, interpolate } from './interpolate.js';
import { configSchema, type VigilConfig } from './schema.js';
import { keysAt } from './schema-walk.js';

export interface LoadedConfig {
  file: string;
  config: VigilConfig;
  /** dotted paths whose values came from the environment; redacted wherever config is shown */
  secretPaths: readonly string[];
  /** the values taken from the environment: Scrubber strips them from text shown, logged or stored */
  secretValues: readonly string[];
  /** file:line:col of a path in the file, for problems found after validation (e.g. in PromQL) */
  where(path: readonly (string | number)[]): string;
}

/** Read, interpolate, validate and freeze a vigil.yaml; every problem at once or none. */
export function loadConfig(file: string, env: Env = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new VigilError('CONFIG_NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`, {
      hint: 'pass --config <file>, or create one with `vigil init`',
      cause: e,
    });
  }
  return parseConfig(text, file, env);
}

export function parseConfig(text: string, file: string, env: Env = process.env): LoadedConfig {
  const { source, raw, secretPaths, secretValues, problems } = readYaml(text, file, env);
  const config = validateWith(configSchema, source, raw, problems);
  return deepFreeze({ file, config, secretPaths, secretValues, where: keptPositions(source, raw) });
}

/**
 * `where` for what is checked after validation (alert conditions, rule file patterns), with their
 * positions taken now: the parsed document with every node's range is about 1.5 KB per check, and
 * the config is kept for the daemon's life (27 MB more at 10,000 checks). Other paths answer the file.
 */
function keptPositions(source: YamlSource, raw: unknown): LoadedConfig['where'] {
  const kept = new Map<string, string>();
  const keep = (p: readonly (string | number)[]) => {
    kept.set(p.join('\0'), source.where(p));
  };
  const { alerts, rule_files } = (raw ?? {}) as { alerts?: unknown; rule_files?: unknown };
  if (Array.isArray(alerts))
    alerts.forEach((a, i) => {
      keep(['alerts', i]);
      if (a && typeof a === 'object') for (const k of Object.keys(a)) keep(['alerts', i, k]);
    });
  if (Array.isArray(rule_files)) for (let i = 0; i < rule_files.length; i++) keep(['rule_files', i]);
  return lookup(kept, source.at(undefined));
}

/**
 * Made apart from `keptPositions`: a closure returned from there would share its scope with
 * `keep`, and with it the document.
 */
function lookup(kept: ReadonlyMap<string, string>, file: string): LoadedConfig['where'] {
  // as the document answers: a path not written (a key left out) is shown at its nearest parent
  return (p) => {
    for (let n = p.length; n > 0; n--) {
      const at = kept.get(p.slice(0, n).join('\0'));
      if (at) return at;
    }
    return file;
  };
}

/** A parsed YAML document that can say where any path in it is: `file:line:col`. */
export interface YamlSource {
  file: string;
  doc: ReturnType<typeof parseDocument>;
  at(offset: number | undefined): string;
  where(path: readonly (string | number)[]): string;
}

/**
 * Parse YAML keeping positions, and interpolate `${VAR}` in string scalars
 * (when `env` is given). Syntax errors are thrown at once; missing variables are
 * returned, to be reported with the schema's problems.
 */
export function readYaml(
  text: string,
  file: string,
  env?: Env,
  opts: { textKeys?: readonly string[] } = {},
): {
  source: YamlSource;
  raw: unknown;
  secretPaths: string[];
  secretValues: string[];
  problems: ConfigProblem[];
} {
  const relative = path.relative(process.cwd(), file);
  const shown = relative && !relative.startsWith('..') ? relative : file;
  const tooDeep = nestingPastLimit(text);
  if (tooDeep) {
    throw invalid([
      {
        where: `${shown}:${tooDeep.line}`,
        path: '',
        message: `YAML nested deeper than ${maxNesting} levels`,
        hint: 'a config is a few levels deep; this looks like generated or hostile input',
      },
    ]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return shown;
    const { line, col } = lines.linePos(offset);
    return `${shown}:${line}:${col}`;
  };
  const where = (segments: readonly (string | number)[]) => at(nodeAt(doc, segments)?.range?.[0]);
  const source: YamlSource = { file, doc, at, where };
  const problems: ConfigProblem[] = doc.errors.map((e) => ({
    where: at(e.pos[0]),
    path: '',
    message: e.message.split('\n')[0]!,
    hint: 'fix the YAML syntax first; the rest is checked after',
  }));
  if (problems.length) throw invalid(problems);

  const secretPaths: string[] = [];
  const secretValues = new Set<string>();
  if (env) {
    visit(doc, {
      Scalar(_key, node, ancestry) {
        if (typeof node.value !== 'string' || !node.value.includes('${')) return;
        const result = interpolate(node.value, env);
        const dotted = pathOf(ancestry).join('.');
        for (const name of result.missing) {
          problems.push({
            where: at(node.range?.[0]),
            path: dotted,
            message: `environment variable ${name} is not set`,
            hint: `export ${name}, or give a default: \${${name}:-value}`,
          });
        }
        if (result.fromEnv) secretPaths.push(dotted);
        for (const v of result.secrets) secretValues.add(v);
        node.value = result.value;
      },
    });
  }

  if (opts.textKeys?.length) {
    // Values read as text, as Go's YAML does for string fields: `values: 0x10` is "0x10", not 16.
    const keys = new Set(opts.textKeys);
    visit(doc, {
      Pair(_key, pair) {
        if (
          isScalar(pair.key) &&
          keys.has(String(pair.key.value)) &&
          isScalar(pair.value) &&
          pair.value.source !== undefined
        ) {
          pair.value.value = pair.value.source;
        }
      },
    });
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (e) {
    // e.g. an alias whose anchor is missing, or an alias bomb
    problems.push({
      where: shown,
      path: '',
      message: (e as Error).message,
      hint: 'check YAML anchors (&a) and aliases (*a)',
    });
  }
  return { source, raw: raw ?? {}, secretPaths, secretValues: [...secretValues], problems };
}

const maxNesting = 256;

/**
 * A cheap look before parsing: 10,000 nested `[` made the YAML parser overflow
 * its stack after a second or more. Flow brackets outside quotes count one
 * level each; an indentation past twice the limit counts as too deep as well.
 */
function nestingPastLimit(text: string): { line: number } | undefined {
  let depth = 0;
  let line = 1;
  let quote = '';
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = true;
      indent = 0;
      if (quote === "'") quote = '';
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        if (++indent > 2 * maxNesting) return { line };
        continue;
      }
      lineStart = false;
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > maxNesting) return { line };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

/** Validate parsed YAML against a zod schema; every problem, positioned, or the data. */
export function validateWith<S extends z.ZodType>(
  schema: S,
  source: YamlSource,
  raw: unknown,
  earlier: readonly ConfigProblem[] = [],
): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success && !earlier.length) return parsed.data;
  if (parsed.success) throw invalid([...earlier]);
  const issues = parsed.error.issues;
  // "no kind" is noise beside an unknown key at the same place: the key is most likely a misspelt kind.
  const unknownAt = new Set(
    issues.filter((i) => i.code === 'unrecognized_keys').map((i) => i.path.join('.')),
  );
  const relevant = issues.filter(
    (i) =>
      !(
        (i as { params?: { ifNoUnknownKey?: boolean } }).params?.ifNoUnknownKey &&
        unknownAt.has(i.path.join('.'))
      ),
  );
  throw invalid([...earlier, ...relevant.flatMap((i) => describeIssue(i, schema, source, raw))]);
}

export function invalid(problems: ConfigProblem[]): VigilError {
  const sorted = [...problems].sort((a, b) => compareWhere(a.where, b.where));
  const first = sorted[0]!;
  return new VigilError(
    'CONFIG_INVALID',
    sorted.length === 1
      ? `${first.where}: ${first.message}`
      : `${sorted.length} problems in the configuration, the first: ${first.where}: ${first.message}`,
    { hint: first.hint ?? 'run `vigil validate` to list every problem', problems: sorted },
  );
}

function nodeAt(doc: ReturnType<typeof parseDocument>, p: readonly (string | number)[]): Node | undefined {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n), true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node) return node;
  }
  return undefined;
}

function compareWhere(a: string, b: string): number {
  const pa = a.split(':').map(Number);
  const pb = b.split(':').map(Number);
  return (pa[1] ?? 0) - (pb[1] ?? 0) || (pa[2] ?? 0) - (pb[2] ?? 0);
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, schema: z.ZodType, source: YamlSource, raw: unknown): ConfigProblem[] {
  const { doc, at } = source;
  const segments = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const dotted = segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
  if (issue.code === 'unrecognized_keys') {
    const parent = doc.getIn(segments, true);
    const known = keysAt(schema, segments);
    return issue.keys.map((key) => {
      const pair = isMap(parent)
        ? parent.items.find((it) => isScalar(it.key) && it.key.value === key)
        : undefined;
      const keyNode = pair?.key as Node | undefined;
      const guess = didYouMean(key, known);
      return {
        where: at(keyNode?.range?.[0] ?? nodeAt(doc, segments)?.range?.[0]),
        path: [...segments, key].join('.'),
        message: `unknown key "${key}"`,
        hint: guess
          ? `did you mean "${guess}"?`
          : known.length
            ? `known keys: ${known.join(', ')}`
            : undefined,
      };
    });
  }
  const node = nodeAt(doc, segments);
  const where = at(node?.range?.[0]);
  const params = (issue as { params?: { hint?: string } }).params;
  if (issue.code === 'invalid_union') {
    // Report the form the value was written in (an object, a list), not "no form fits":
    // `verify: { level: restore }` is the object form missing its cron.
    const branch = closestBranch(issue.errors ?? []);
    if (branch) {
      return branch.flatMap((inner) =>
        describeIssue({ ...inner, path: [...issue.path, ...inner.path] } as Issue, schema, source, raw),
      );
    }
  }
  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    const value = valueAt(raw, segments);
    const received = value === undefined ? 'nothing' : Array.isArray(value) ? 'a list' : typeof value;
    return [
      {
        where,
        path: dotted,
        message:
          issue.code === 'invalid_type'
            ? value === undefined
              ? `${dotted || 'the document'}: missing (a ${issue.expected})`
              : `${dotted || 'the document'}: expected ${issue.expected}, got ${received}`
            : `${dotted}: ${received} is not an accepted form here`,
        hint: value === undefined ? `${segments.at(-1) ?? 'this value'} is required` : params?.hint,
      },
    ];
  }
  return [
    {
      where,
      path: dotted,
      message: dotted ? `${dotted}: ${issue.message}` : issue.message,
      hint: params?.hint,
    },
  ];
}

/**
 * Of a union's alternatives, the one the value was meant as: skip those that reject the value's
 * very type (an object given to the list form), then take the one with the fewest problems.
 */
function closestBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const meant = branches.filter(
    (b) =>
      b.length > 0 &&
      !b.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_union')),
  );
  if (!meant.length) return undefined;
  return meant.reduce((best, b) => (b.length < best.length ? b : best));
}

function valueAt(raw: unknown, segments: readonly (string | number)[]): unknown {
  let v = raw;
  for (const s of segments) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}

function pathOf(ancestry: readonly unknown[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ancestry.length; i++) {
    const a = ancestry[i] as { key?: unknown; items?: unknown[] };
    const next = ancestry[i + 1];
    if (a && Array.isArray(a.items) && next !== undefined) {
      const idx = a.items.indexOf(next);
      if (idx >= 0 && !('key' in (next as object))) out.push(String(idx));
    }
    if (a && 'key' in a && isScalar(a.key)) out.push(String(a.key.value));
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

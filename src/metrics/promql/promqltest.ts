import { labelsKey, omit } from '../../core/labels.js';
import type { Labels, Matcher, Queryable, Series } from '../types.js';
import { PromQLError } from './errors.js';
import { compileMatchers } from './matchers.js';
import { MemoryQueryable } from './memory-queryable.js';
import {
  checkAnnotations,
  checkFailure,
  compareMatrix,
  compareVector,
  expectsFailure,
  isOrdered,
} from './promqltest-compare.js';
import { parse as parseExpr } from './promqltest-parse.js';
import { type Command, type EvalCommand, type LoadCommand, parseScript } from './promqltest-script.js';
import { instantQuery, rangeQuery } from './query.js';
import type { Annotation, Value } from './values.js';

/**
 * Runs Prometheus's promqltest scripts against our evaluator and reports each
 * `eval` block as pass, fail (with why) or unsupported. A block is
 * unsupported only when we refuse it before answering: the parser rejects the
 * expression as an unsupported construct, or the query reads native-histogram
 * samples (our data model holds floats only), never because an answer was wrong.
 */

export type BlockStatus = 'pass' | 'fail' | 'unsupported';

export interface BlockResult {
  line: number;
  expr: string;
  status: BlockStatus;
  /** why it failed, or what was unsupported */
  message?: string;
}

export interface ScriptResult {
  blocks: BlockResult[];
  passed: number;
  failed: number;
  unsupported: number;
}

/**
 * The float samples in a MemoryQueryable, plus where native histograms were
 * loaded: a select that reaches one of those marks the query as touching data
 * we cannot represent.
 */
class TestStorage implements Queryable {
  readonly floats = new MemoryQueryable();
  private readonly histograms = new Map<string, { labels: Labels; times: number[] }>();
  touchedHistogram = false;

  addHistogramTimes(labels: Labels, times: number[]): void {
    const k = labelsKey(labels);
    const h = this.histograms.get(k) ?? { labels, times: [] };
    h.times.push(...times);
    this.histograms.set(k, h);
  }

  clear(): void {
    this.floats.clear();
    this.histograms.clear();
  }

  async select(matchers: readonly Matcher[], mint: number, maxt: number): Promise<Series[]> {
    const match = compileMatchers(matchers);
    for (const h of this.histograms.values()) {
      if (match(h.labels) && h.times.some((t) => t >= mint && t <= maxt)) this.touchedHistogram = true;
    }
    return this.floats.select(matchers, mint, maxt);
  }
}

function load(store: TestStorage, cmd: LoadCommand): void {
  // Within one load a repeated series replaces its earlier definition, as in Prometheus.
  const defs = new Map(cmd.series.map((s) => [labelsKey(s.labels), s]));
  for (const s of defs.values()) {
    const points: { t: number; v: number; stale?: true }[] = [];
    const histogramTimes: number[] = [];
    s.values.forEach((v, i) => {
      const t = i * cmd.intervalMs;
      if (v.kind === 'value') points.push({ t, v: v.v });
      else if (v.kind === 'stale') points.push({ t, v: Number.NaN, stale: true });
      else if (v.kind === 'histogram') histogramTimes.push(t);
    });
    if (points.length > 0) store.floats.add(s.labels, points);
    if (histogramTimes.length > 0) store.addHistogramTimes(s.labels, histogramTimes);
    const name = s.labels.__name__;
    if (cmd.withNhcb && name?.endsWith('_bucket') && s.labels.le !== undefined) {
      const nhcb = { ...omit(s.labels, ['le']), __name__: name.slice(0, -'_bucket'.length) };
      store.addHistogramTimes(
        nhcb,
        points.map((p) => p.t),
      );
    }
  }
}

function unsupportedResult(cmd: EvalCommand, message: string): BlockResult {
  return { line: cmd.line, expr: cmd.expr, status: 'unsupported', message };
}

async function runEval(store: TestStorage, cmd: EvalCommand): Promise<BlockResult> {
  const base = { line: cmd.line, expr: cmd.expr };
  const fail = (message: string): BlockResult => ({ ...base, status: 'fail', message });
  if (cmd.expected.some((e) => e.values.some((v) => v.kind === 'histogram'))) {
    return unsupportedResult(cmd, 'native histograms (in the expected result)');
  }
  const parsed = parseExpr(cmd.expr);
  if (parsed instanceof PromQLError && parsed.kind === 'unsupported')
    return unsupportedResult(cmd, parsed.message);
  store.touchedHistogram = false;
  const annotations: Annotation[] = [];
  let value: Value;
  try {
    if (parsed instanceof PromQLError) throw parsed;
    value = cmd.range
      ? await rangeQuery(store, parsed, cmd.range.start, cmd.range.end, cmd.range.stepMs, { annotations })
      : await instantQuery(store, parsed, cmd.at, { annotations });
  } catch (e) {
    if (store.touchedHistogram) return unsupportedResult(cmd, 'native histograms (in the loaded data)');
    if (e instanceof PromQLError && e.kind === 'unsupported') return unsupportedResult(cmd, e.message);
    const message = e instanceof Error ? e.message : String(e);
    if (!expectsFailure(cmd)) return fail(`unexpected error: ${message}`);
    const why = checkFailure(cmd, message);
    return why ? fail(why) : { ...base, status: 'pass' };
  }
  if (store.touchedHistogram) return unsupportedResult(cmd, 'native histograms (in the loaded data)');
  if (expectsFailure(cmd)) return fail('expected an error but the query succeeded');
  const why =
    checkAnnotations(cmd, annotations) ?? compare(cmd, value) ?? (await rangeModeCheck(store, cmd, value));
  return why ? fail(why) : { ...base, status: 'pass' };
}

function compare(cmd: EvalCommand, value: Value): string | undefined {
  switch (value.type) {
    case 'string':
      return cmd.expectedString === value.v
        ? undefined
        : `expected string ${cmd.expectedString}, got ${value.v}`;
    case 'scalar':
      if (cmd.expectedScalar === undefined) return `expected a vector or matrix, got scalar ${value.v}`;
      return Object.is(cmd.expectedScalar, value.v) || almost(cmd.expectedScalar, value.v)
        ? undefined
        : `expected scalar ${cmd.expectedScalar} but got ${value.v}`;
    case 'vector':
      return compareVector(cmd, value.samples, isOrdered(cmd));
    case 'matrix': {
      if (isOrdered(cmd)) return 'expected ordered result, but query returned a matrix';
      const grid = cmd.range ?? cmd.rangeVector ?? { start: cmd.at, end: cmd.at, stepMs: 0 };
      return compareMatrix(cmd, value.series, grid);
    }
  }
}

function almost(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const d = Math.abs(a - b);
  return a !== 0 && b !== 0 ? d / (Math.abs(a) + Math.abs(b)) < 1e-6 : d < 1e-6 * 2.2250738585072014e-308;
}

/** Like Prometheus: an instant query must give the same answer as the middle step of a range query. */
async function rangeModeCheck(
  store: TestStorage,
  cmd: EvalCommand,
  value: Value,
): Promise<string | undefined> {
  if (cmd.range || cmd.rangeVector || cmd.expectedString !== undefined || isOrdered(cmd)) return undefined;
  if (/(start|end|range|step)\(\)/.test(cmd.expr)) return undefined;
  let m: Awaited<ReturnType<typeof rangeQuery>>;
  try {
    m = await rangeQuery(store, cmd.expr, cmd.at - 60_000, cmd.at + 60_000, 60_000);
  } catch (e) {
    return `range mode: ${e instanceof Error ? e.message : String(e)}`;
  }
  const samples = m.series.flatMap((s) =>
    s.points.filter((p) => p.t === cmd.at).map((p) => ({ labels: s.labels, t: p.t, v: p.v })),
  );
  if (value.type === 'scalar') {
    const v = samples[0]?.v ?? Number.NaN;
    return almost(value.v, v) ? undefined : `range mode: expected scalar ${value.v}, got ${v}`;
  }
  const why = compareVector(cmd, samples, false);
  return why ? `range mode: ${why}` : undefined;
}

/** Runs a whole promqltest script. */
export async function runPromqlTest(input: string): Promise<ScriptResult> {
  const cmds: Command[] = parseScript(input);
  const store = new TestStorage();
  const blocks: BlockResult[] = [];
  for (const cmd of cmds) {
    if (cmd.kind === 'clear') store.clear();
    else if (cmd.kind === 'load') load(store, cmd);
    else blocks.push(await runEval(store, cmd));
  }
  const count = (s: BlockStatus) => blocks.filter((b) => b.status === s).length;
  return { blocks, passed: count('pass'), failed: count('fail'), unsupported: count('unsupported') };
}

export { type Command, type EvalCommand, parseScript } from './promqltest-script.js';

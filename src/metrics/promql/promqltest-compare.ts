import { compareLabels, formatLabels, labelsKey } from '../../core/labels.js';
import type { Series } from '../types.js';
import { almostEqual } from './histogram-quantile.js';
import type { EvalCommand, ExpectLine } from './promqltest-script.js';
import type { Annotation, Sample } from './values.js';

/**
 * promqltest's result comparison: values equal within a relative 1e-6 (NaN
 * equals NaN), every expected series present and nothing else, order only
 * when asked for, and annotations as the `expect` lines demand.
 */

const epsilon = 0.000001;

/** Returns an explanation when the instant vector differs from what `cmd` expects. */
export function compareVector(cmd: EvalCommand, samples: Sample[], ordered: boolean): string | undefined {
  if (cmd.expectedScalar !== undefined) return `expected scalar ${cmd.expectedScalar}, got a vector`;
  const expected = new Map(cmd.expected.map((e) => [labelsKey(e.labels), e]));
  const seen = new Set<string>();
  for (const [i, s] of samples.entries()) {
    const k = labelsKey(s.labels);
    const exp = expected.get(k);
    if (!exp) return `unexpected metric ${formatLabels(s.labels)} in result, has value ${s.v}`;
    if (ordered && exp.pos !== i + 1) {
      return `expected metric ${formatLabels(s.labels)} at position ${exp.pos} but was at ${i + 1}`;
    }
    const first = exp.values[0];
    if (first?.kind !== 'value') return `expected a float value for ${formatLabels(s.labels)}`;
    if (!almostEqual(first.v, s.v, epsilon))
      return `expected ${first.v} for ${formatLabels(s.labels)} but got ${s.v}`;
    seen.add(k);
  }
  for (const [k, e] of expected) {
    if (!seen.has(k)) return `expected metric ${formatLabels(e.labels)} not found`;
  }
  return undefined;
}

/** Compares a matrix with expected series whose values sit at start + i·step. */
export function compareMatrix(
  cmd: EvalCommand,
  series: Series[],
  grid: { start: number; end: number; stepMs: number },
): string | undefined {
  if (cmd.expectedScalar !== undefined) return 'expected scalar result, but got matrix';
  for (let i = 1; i < series.length; i++) {
    if (compareLabels(series[i - 1]!.labels, series[i]!.labels) > 0)
      return 'matrix results should be sorted by labels';
  }
  const expected = new Map(cmd.expected.map((e) => [labelsKey(e.labels), e]));
  const seen = new Set<string>();
  for (const s of series) {
    const k = labelsKey(s.labels);
    const exp = expected.get(k);
    if (!exp) return `unexpected metric ${formatLabels(s.labels)} in result, has ${pointsText(s)}`;
    seen.add(k);
    const want: { t: number; v: number }[] = [];
    for (const [i, e] of exp.values.entries()) {
      const t = grid.start + i * grid.stepMs;
      if (t > grid.end)
        return `expected ${exp.values.length} points for ${formatLabels(s.labels)}, the range is shorter`;
      if (e.kind === 'value') want.push({ t, v: e.v });
      else if (e.kind !== 'omitted') return `unexpected ${e.kind} in expected values`;
    }
    if (want.length !== s.points.length) {
      return `expected ${want.length} points for ${formatLabels(s.labels)}, got ${pointsText(s)}`;
    }
    for (const [i, w] of want.entries()) {
      const p = s.points[i]!;
      if (p.t !== w.t || !almostEqual(w.v, p.v, epsilon)) {
        return `expected ${w.v}@${w.t} for ${formatLabels(s.labels)}, got ${pointsText(s)}`;
      }
    }
  }
  for (const [k, e] of expected) {
    if (!seen.has(k)) return `expected metric ${formatLabels(e.labels)} not found`;
  }
  return undefined;
}

function pointsText(s: Series): string {
  return s.points.map((p) => `${p.v}@${p.t}`).join(' ');
}

function matches(e: ExpectLine, text: string): boolean {
  if (e.message !== undefined) return e.message === text;
  if (e.regex) return e.regex.test(text);
  return true;
}

/** Checks warnings and infos against `expect warn|info|no_warn|no_info` and legacy eval_warn/eval_info. */
export function checkAnnotations(cmd: EvalCommand, annotations: Annotation[]): string | undefined {
  const warnings = annotations.filter((a) => a.level === 'warning').map((a) => a.message);
  const infos = annotations.filter((a) => a.level === 'info').map((a) => a.message);
  if (cmd.legacy === 'warn' && warnings.length === 0) return 'expected warnings but got none';
  if (cmd.legacy === 'info' && infos.length === 0) return 'expected info annotations but got none';
  for (const [type, actual] of [
    ['warn', warnings],
    ['info', infos],
  ] as const) {
    const wanted = cmd.expects.filter((e) => e.type === type);
    if (wanted.length === 0) continue;
    if (actual.length === 0) return `expected ${type} annotations but none were found`;
    for (const w of wanted) {
      if (!actual.some((a) => matches(w, a)))
        return `expected ${type} annotation ${w.message ?? w.regex}, got ${actual}`;
    }
    for (const a of actual)
      if (!wanted.some((w) => matches(w, a))) return `unexpected ${type} annotation ${a}`;
  }
  if (cmd.expects.some((e) => e.type === 'no_warn') && warnings.length > 0)
    return `unexpected warnings: ${warnings}`;
  if (cmd.expects.some((e) => e.type === 'no_info') && infos.length > 0) return `unexpected infos: ${infos}`;
  return undefined;
}

/** Checks a failure against `expect fail` / `eval_fail` and their optional messages. */
export function checkFailure(cmd: EvalCommand, message: string): string | undefined {
  if (cmd.expectedFailMessage !== undefined && cmd.expectedFailMessage !== message) {
    return `expected error ${JSON.stringify(cmd.expectedFailMessage)}, got ${JSON.stringify(message)}`;
  }
  if (cmd.expectedFailRegexp && !cmd.expectedFailRegexp.test(message)) {
    return `expected error matching ${cmd.expectedFailRegexp}, got ${JSON.stringify(message)}`;
  }
  const fail = cmd.expects.find((e) => e.type === 'fail');
  if (fail && !matches(fail, message)) {
    return `expected error matching ${JSON.stringify(fail.message ?? String(fail.regex))}, got ${JSON.stringify(message)}`;
  }
  return undefined;
}

export function expectsFailure(cmd: EvalCommand): boolean {
  return cmd.legacy === 'fail' || cmd.expects.some((e) => e.type === 'fail');
}

export function isOrdered(cmd: EvalCommand): boolean {
  return cmd.legacy === 'ordered' || cmd.expects.some((e) => e.type === 'ordered');
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseConfig, readYaml, validateWith } from '../config/loader.js';
import { duration } from '../config/types.js';
import { parseDuration } from '../core/duration.js';
import { describe, VigilError } from '../errors.js';
import { instantQuery, MemoryQueryable } from '../metrics/promql/index.js';
import { parseMetric, parseValues } from '../metrics/promql/series-desc.js';
import type { Labels, Point } from '../metrics/types.js';
import { compileRuleFile, expandGlob, guideAlertsGroup, Problems, type RuleGroup } from './compile.js';
import { GroupState } from './group.js';

/**
 * `vigil test rules`: promtool's rule unit-test files, decided the way promtool
 * decides them. Rule files may be Prometheus rule files, or a vigil.yaml (or a
 * file in its `alerts:` form), so teams unit-test the alerts they run.
 */
/** Go's YAML gives promtool "0" for `eval_time: 0`; a bare number other than 0 has no unit and is refused. */
const evalTime = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const ms = parseDuration(String(v));
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration`, params: { hint: 'e.g. 5m' } });
      return z.NEVER;
    }
    return ms;
  })
  .default(0);

const testFileSchema = z.strictObject({
  rule_files: z.array(z.string()).default([]),
  evaluation_interval: duration({ min: 1 }).optional(),
  group_eval_order: z.array(z.string()).default([]),
  fuzzy_compare: z.boolean().default(false),
  tests: z
    .array(
      z.strictObject({
        name: z.string().optional(),
        interval: duration({ min: 1 }).optional(),
        start_timestamp: z.union([z.string(), z.number()]).optional(),
        external_labels: z.record(z.string(), z.string()).optional(),
        external_url: z.string().optional(),
        input_series: z
          .array(z.strictObject({ series: z.string(), values: z.union([z.string(), z.number()]) }))
          .default([]),
        alert_rule_test: z
          .array(
            z.strictObject({
              eval_time: evalTime,
              alertname: z.string(),
              exp_alerts: z
                .array(
                  z.strictObject({
                    exp_labels: z.record(z.string(), z.string()).default({}),
                    exp_annotations: z.record(z.string(), z.string()).default({}),
                  }),
                )
                .default([]),
            }),
          )
          .default([]),
        promql_expr_test: z
          .array(
            z.strictObject({
              expr: z.string(),
              eval_time: evalTime,
              exp_samples: z
                .array(
                  z.strictObject({
                    labels: z.string().optional(),
                    value: z.number().optional(),
                    histogram: z.string().optional(),
                  }),
                )
                .default([]),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});

type TestFile = z.output<typeof testFileSchema>;
type TestGroup = TestFile['tests'][number];

export interface TestReport {
  file: string;
  ok: boolean;
  errors: string[];
  /** cases skipped because they use what Vigil does not evaluate (native histograms) */
  unsupported: string[];
}

/** Rule evaluations one test group may take (eval_time / evaluation_interval). */
const maxEvalSteps = 100_000;

export async function testRulesFile(file: string): Promise<TestReport> {
  const report: TestReport = { file, ok: true, errors: [], unsupported: [] };
  let spec: TestFile;
  try {
    const { source, raw, problems } = readYaml(readFileSync(file, 'utf8'), file, undefined, {
      textKeys: ['values', 'series', 'labels', 'expr'],
    });
    spec = validateWith(testFileSchema, source, raw, problems);
  } catch (e) {
    return fail(report, e instanceof VigilError ? problemsOf(e) : [describe(e)]);
  }
  const evalInterval = spec.evaluation_interval ?? 60_000;
  let ruleFiles: string[];
  try {
    ruleFiles = [...new Set(spec.rule_files.flatMap((f) => expandGlob(path.resolve(path.dirname(file), f))))];
  } catch (e) {
    return fail(report, e instanceof VigilError ? problemsOf(e) : [describe(e)]);
  }
  const order = new Map(spec.group_eval_order.map((name, i) => [name, i]));
  for (const [i, tg] of spec.tests.entries()) {
    const name = tg.name ?? `unnamed#${i}`;
    let groups: RuleGroup[];
    try {
      groups = loadGroups(ruleFiles, tg.interval ?? evalInterval);
    } catch (e) {
      return fail(report, e instanceof VigilError ? problemsOf(e) : [describe(e)]);
    }
    groups.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
    const errors = await runGroup(tg, name, groups, evalInterval, report);
    if (errors.length) {
      report.ok = false;
      report.errors.push(...errors);
    }
  }
  return report;
}

function loadGroups(files: string[], defaultIntervalMs: number): RuleGroup[] {
  const problems = new Problems();
  const groups: RuleGroup[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    if (/^groups\s*:/m.test(text)) groups.push(...compileRuleFile(f, defaultIntervalMs, problems));
    else {
      const loaded = parseConfig(text, f, process.env);
      const g = guideAlertsGroup(loaded, problems);
      if (g) groups.push(g);
    }
  }
  problems.throwIfAny();
  return groups;
}

async function runGroup(
  tg: TestGroup,
  name: string,
  groups: RuleGroup[],
  evalInterval: number,
  report: TestReport,
): Promise<string[]> {
  const interval = tg.interval ?? evalInterval;
  const mint = startOf(tg.start_timestamp);
  if (mint === undefined) return [`    name: ${name}: cannot parse start_timestamp ${tg.start_timestamp}`];
  const store = new MemoryQueryable();
  const histogramMetrics = new Set<string>();
  for (const s of tg.input_series) {
    try {
      const labels = seriesLabels(s.series);
      const values = parseValues(String(s.values));
      if (values.some((v) => v.kind === 'histogram')) {
        histogramMetrics.add(labels.__name__ ?? '');
        continue;
      }
      const points: Point[] = [];
      values.forEach((v, k) => {
        const t = mint + k * interval;
        if (v.kind === 'stale') points.push({ t, v: Number.NaN, stale: true });
        else if (v.kind === 'value') points.push({ t, v: v.v });
      });
      store.add(labels, points);
    } catch (e) {
      return [`    name: ${name}: input series ${JSON.stringify(s.series)}: ${describe(e)}`];
    }
  }

  const states = groups.map((g) => new GroupState(g));
  const alertTimes = [...new Set(tg.alert_rule_test.map((a) => a.eval_time))].sort((a, b) => a - b);
  const maxEval = Math.max(
    0,
    ...tg.alert_rule_test.map((a) => a.eval_time),
    ...tg.promql_expr_test.map((p) => p.eval_time),
  );
  // Every step evaluates every group: a year at 1ms would run for days.
  const steps = Math.floor(maxEval / evalInterval) + 1;
  if (!(steps <= maxEvalSteps)) {
    return [
      `    name: ${name}: evaluating up to ${fmtDuration(maxEval)} every ${fmtDuration(evalInterval)} takes ${steps} steps, more than ${maxEvalSteps}`,
    ];
  }
  const errors: string[] = [];
  let curr = 0;
  for (let ts = mint; ts <= mint + maxEval; ts += evalInterval) {
    for (const state of states) {
      const { samples } = await state.evaluate(ts, store, { subqueryStepMs: evalInterval });
      for (const s of samples)
        store.add(s.labels, [s.stale ? { t: s.t, v: s.v, stale: true } : { t: s.t, v: s.v }]);
      state.group.rules.forEach((r, k) => {
        const h = state.health[k]!;
        if (h.health === 'err' && h.lastEvaluation === ts) {
          errors.push(`    rule: ${r.name}, time: ${fmtDuration(ts - mint)}, err: ${h.lastError}`);
        }
      });
    }
    if (errors.length) return errors;
    while (
      curr < alertTimes.length &&
      ts - mint <= alertTimes[curr]! &&
      alertTimes[curr]! < ts + evalInterval - mint
    ) {
      const t = alertTimes[curr]!;
      for (const test of tg.alert_rule_test.filter((a) => a.eval_time === t)) {
        const got = states
          .flatMap((s) => s.activeAlerts())
          .filter((a) => a.rule === test.alertname && a.state === 'firing')
          .map((a) => ({ labels: a.labels, annotations: a.annotations }));
        const exp = test.exp_alerts.map((a) => ({
          labels: { ...a.exp_labels, alertname: test.alertname },
          annotations: a.exp_annotations,
        }));
        if (!sameAlerts(exp, got)) {
          errors.push(
            `${tg.name ? `    name: ${tg.name},\n` : ''}    alertname: ${test.alertname}, time: ${fmtDuration(t)}, \n        exp:${alertsString(exp)}, \n        got:${alertsString(got)}`,
          );
        }
      }
      curr++;
    }
  }

  for (const test of tg.promql_expr_test) {
    if (
      [...histogramMetrics].some((m) => m && new RegExp(`\\b${m}\\b`).test(test.expr)) ||
      test.exp_samples.some((s) => s.histogram)
    ) {
      report.unsupported.push(`${name}: expr ${JSON.stringify(test.expr)} (native histograms)`);
      continue;
    }
    let got: { labels: Labels; v: number }[];
    try {
      const value = await instantQuery(store, test.expr, mint + test.eval_time);
      if (value.type === 'vector') got = value.samples.map((s) => ({ labels: s.labels, v: s.v }));
      else if (value.type === 'scalar') got = [{ labels: {}, v: value.v }];
      else throw new Error('rule result is not a vector or scalar');
    } catch (e) {
      errors.push(
        `    expr: ${JSON.stringify(test.expr)}, time: ${fmtDuration(test.eval_time)}, err: ${describe(e)}`,
      );
      continue;
    }
    let exp: { labels: Labels; v: number }[];
    try {
      exp = test.exp_samples.map((s) => ({
        labels: s.labels ? seriesLabels(s.labels) : {},
        v: s.value ?? 0,
      }));
    } catch (e) {
      errors.push(
        `    expr: ${JSON.stringify(test.expr)}, time: ${fmtDuration(test.eval_time)}, err: ${describe(e)}`,
      );
      continue;
    }
    const key = (s: { labels: Labels }) => labelsString(s.labels);
    exp.sort((a, b) => key(a).localeCompare(key(b)));
    got.sort((a, b) => key(a).localeCompare(key(b)));
    const same =
      exp.length === got.length && exp.every((e, k) => key(e) === key(got[k]!) && Object.is(e.v, got[k]!.v));
    if (!same) {
      const show = (list: typeof exp) =>
        list.length ? list.map((s) => `${promLabels(s.labels)} ${goFloat(s.v)}`).join(', ') : 'nil';
      errors.push(
        `    expr: ${JSON.stringify(test.expr)}, time: ${fmtDuration(test.eval_time)},\n        exp: ${show(exp)}\n        got: ${show(got)}`,
      );
    }
  }
  return errors;
}

/** A series name with labels, and nothing after it. */
function seriesLabels(text: string): Labels {
  const { labels, rest } = parseMetric(text.trim());
  if (rest.trim()) throw new Error(`unexpected "${rest.trim()}" after series ${text}`);
  return labels;
}

function sameAlerts(
  a: { labels: Record<string, string>; annotations: Record<string, string> }[],
  b: { labels: Record<string, string>; annotations: Record<string, string> }[],
): boolean {
  const key = (x: (typeof a)[number]) => `${labelsString(x.labels)}|${labelsString(x.annotations)}`;
  const ka = a.map(key).sort();
  const kb = b.map(key).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

function alertsString(
  list: { labels: Record<string, string>; annotations: Record<string, string> }[],
): string {
  if (!list.length) return '[]';
  const sorted = [...list].sort((x, y) => labelsString(x.labels).localeCompare(labelsString(y.labels)));
  return `[\n${sorted
    .map(
      (a, i) =>
        `            ${i}:\n              Labels:${labelsString(a.labels)}\n              Annotations:${labelsString(a.annotations)}`,
    )
    .join(',\n')}\n            ]`;
}

/** Prometheus's label set notation, sorted: `{a="1", b="2"}` (the name first as `name{…}`). */
export function labelsString(labels: Readonly<Record<string, string>>): string {
  const { __name__, ...rest } = labels;
  const body = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`)
    .join(', ');
  return `${__name__ ?? ''}{${body}}`;
}

/** Labels as promtool prints samples: `{__name__="x", a="b"}`. */
function promLabels(labels: Labels): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(', ')}}`;
}

function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const [m, e] = v.toExponential().split('e') as [string, string];
  const exp = Number(e);
  return `${m}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Prometheus's model.Duration notation: 5m, 1h30m, 0s, 1d, 1w. */
function fmtDuration(ms: number): string {
  if (ms === 0) return '0s';
  const units: [string, number][] = [
    ['y', 365 * 86_400_000],
    ['w', 7 * 86_400_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = ms;
  let out = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

function startOf(v: string | number | undefined): number | undefined {
  if (v === undefined) return 0;
  if (typeof v === 'number' || /^-?\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function problemsOf(e: VigilError): string[] {
  return e.problems.length ? e.problems.map((p) => `${p.where}: ${p.message}`) : [e.message];
}

function fail(report: TestReport, errors: string[]): TestReport {
  return { ...report, ok: false, errors: [...report.errors, ...errors] };
}

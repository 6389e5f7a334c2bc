import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/loader.js';
import { invalid, readYaml, validateWith } from '../config/loader.js';
import { type ConfigProblem, VigilError } from '../errors.js';
import {
  checkQueryShape,
  defaultQueryLimits,
  type Expr,
  PromQLError,
  parsePromQL,
  type QueryLimits,
} from '../metrics/promql/index.js';
import { expandGlob } from './rule-glob.js';
import type { GuideAlert, PromRule } from './rule-schema.js';
import { ruleFileSchema } from './rule-schema.js';
import { compileTemplate, type Template, TemplateError } from './template.js';

export interface CompiledQuery {
  text: string;
  expr: Expr;
}

export interface AlertRule {
  type: 'alert';
  name: string;
  query: CompiledQuery;
  forMs: number;
  keepFiringForMs: number;
  labels: Record<string, Template>;
  annotations: Record<string, Template>;
  resolveQuery?: CompiledQuery;
  noData: 'ok' | 'alerting' | 'keep_last_state';
  onError: 'alerting' | 'ok' | 'keep_last_state';
  /** file:line:col of the rule, for messages */
  where: string;
}

export interface RecordingRule {
  type: 'record';
  name: string;
  query: CompiledQuery;
  labels: Record<string, string>;
  where: string;
}

export type Rule = AlertRule | RecordingRule;

export interface RuleGroup {
  /** unique: file and group name */
  id: string;
  name: string;
  file: string;
  intervalMs: number;
  queryOffsetMs: number;
  limit: number;
  /** what each of the group's queries may cost (vigil.yaml's `query:`) */
  limits?: QueryLimits;
  rules: Rule[];
}

/** Gathers problems while compiling, so every bad rule is reported at once. */
class Problems {
  list: ConfigProblem[] = [];
  add(where: string, message: string, hint?: string) {
    this.list.push({ where, path: '', message, hint });
  }
  throwIfAny() {
    if (this.list.length) throw invalid(this.list);
  }
}

/** How a group's queries are read and what each may cost. */
interface QueryRules {
  percentLiterals: boolean;
  /** the group's interval: the step of subqueries written without one */
  subqueryStepMs: number;
  limits: Pick<QueryLimits, 'maxSamples' | 'maxSubquerySteps'>;
}

function compileQuery(
  text: string | number,
  where: string,
  problems: Problems,
  q: QueryRules,
): CompiledQuery | undefined {
  const source = String(text);
  try {
    const expr = parsePromQL(source, { percentLiterals: q.percentLiterals });
    // A rule whose shape alone exceeds the limits would fail at every evaluation: refuse it at load.
    checkQueryShape(expr, { subqueryStepMs: q.subqueryStepMs, limits: q.limits });
    return { text: source, expr };
  } catch (e) {
    if (!(e instanceof PromQLError)) throw e;
    const at = e.position ? ` (at character ${e.position.from + 1})` : '';
    const label =
      e.kind === 'unsupported'
        ? 'unsupported PromQL'
        : e.kind === 'eval'
          ? 'query too expensive'
          : 'invalid PromQL';
    problems.add(
      where,
      `${label}: ${e.message}${at}`,
      e.kind === 'unsupported'
        ? 'Vigil evaluates a documented subset of PromQL; see README'
        : e.kind === 'eval'
          ? 'use a coarser subquery step or a shorter range, or raise the limit under query: in vigil.yaml'
          : undefined,
    );
    return undefined;
  }
}

/** The `query:` limits of a loaded config, or the defaults. */
function limitsOf(loaded: LoadedConfig | undefined): QueryLimits {
  const q = loaded?.config.query;
  return q
    ? { maxSamples: q.max_samples, maxSubquerySteps: q.max_subquery_steps, timeoutMs: q.timeout }
    : { ...defaultQueryLimits };
}

function compileTemplates(
  values: Record<string, string>,
  where: string,
  problems: Problems,
): Record<string, Template> {
  const out: Record<string, Template> = {};
  for (const [k, v] of Object.entries(values)) {
    try {
      out[k] = compileTemplate(v);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      problems.add(where, `template in "${k}" does not parse: ${e.message}`);
    }
  }
  return out;
}

interface AlertFields {
  name: string;
  expr: string | number;
  for?: number;
  keep_firing_for?: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  resolve_condition?: string;
  no_data?: AlertRule['noData'];
  on_error?: AlertRule['onError'];
}

/** An alerting rule from either form; `where(key)` places a field of it in its file. */
function alertRule(
  f: AlertFields,
  where: (key?: string) => string,
  problems: Problems,
  q: QueryRules,
): AlertRule | undefined {
  const query = compileQuery(f.expr, where(q.percentLiterals ? 'condition' : 'expr'), problems, q);
  const resolveQuery =
    f.resolve_condition === undefined
      ? undefined
      : compileQuery(f.resolve_condition, where('resolve_condition'), problems, q);
  const at = where();
  const labels = compileTemplates(f.labels, at, problems);
  const annotations = compileTemplates(f.annotations, at, problems);
  if (!query) return undefined;
  return {
    type: 'alert',
    name: f.name,
    query,
    forMs: f.for ?? 0,
    keepFiringForMs: f.keep_firing_for ?? 0,
    labels,
    annotations,
    resolveQuery,
    noData: f.no_data ?? 'ok',
    onError: f.on_error ?? 'keep_last_state',
    where: at,
  };
}

/** The guide's `alerts:` in vigil.yaml, as one rule group. */
export function guideAlertsGroup(loaded: LoadedConfig, problems = new Problems()): RuleGroup | undefined {
  const { alerts, evaluation_interval } = loaded.config;
  if (!alerts.length) return undefined;
  const rules: Rule[] = [];
  alerts.forEach((a: GuideAlert, i: number) => {
    const rule = alertRule(
      {
        name: a.name,
        expr: a.condition,
        for: a.duration,
        keep_firing_for: a.keep_firing_for,
        labels: { ...a.labels, ...(a.severity ? { severity: a.severity } : {}) },
        annotations: {
          ...(a.summary !== undefined ? { summary: a.summary } : {}),
          ...(a.description !== undefined ? { description: a.description } : {}),
          ...a.annotations,
        },
        resolve_condition: a.resolve_condition,
        no_data: a.no_data,
        on_error: a.on_error,
      },
      (key) => loaded.where(key ? ['alerts', i, key] : ['alerts', i]),
      problems,
      { percentLiterals: true, subqueryStepMs: evaluation_interval, limits: limitsOf(loaded) },
    );
    if (rule) rules.push(rule);
  });
  checkDuplicates(rules, problems);
  return {
    id: `${loaded.file}#alerts`,
    name: 'alerts',
    file: loaded.file,
    intervalMs: evaluation_interval,
    queryOffsetMs: 0,
    limit: 0,
    limits: limitsOf(loaded),
    rules,
  };
}

/** A Prometheus rule file, as it is. */
export function compileRuleFile(
  file: string,
  defaultIntervalMs: number,
  problems = new Problems(),
  limits: QueryLimits = limitsOf(undefined),
): RuleGroup[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    problems.add(file, `cannot read rule file: ${(e as Error).message}`);
    return [];
  }
  let parsed: ReturnType<typeof ruleFileSchema.parse>;
  let where: (p: (string | number)[]) => string;
  try {
    const { source, raw, problems: early } = readYaml(text, file);
    parsed = validateWith(ruleFileSchema, source, raw, early);
    where = source.where;
  } catch (e) {
    if (e instanceof VigilError) {
      problems.list.push(...e.problems);
      return [];
    }
    throw e;
  }
  return parsed.groups.map((g, gi) => {
    const rules: Rule[] = [];
    const q: QueryRules = { percentLiterals: false, subqueryStepMs: g.interval ?? defaultIntervalMs, limits };
    g.rules.forEach((r: PromRule, ri: number) => {
      const labels = { ...(g.labels ?? {}), ...r.labels };
      if (r.record !== undefined) {
        const query = compileQuery(r.expr, where(['groups', gi, 'rules', ri, 'expr']), problems, q);
        if (query)
          rules.push({
            type: 'record',
            name: r.record,
            query,
            labels,
            where: where(['groups', gi, 'rules', ri]),
          });
        return;
      }
      const rule = alertRule(
        { ...r, name: r.alert!, labels },
        (key) => where(key ? ['groups', gi, 'rules', ri, key] : ['groups', gi, 'rules', ri]),
        problems,
        q,
      );
      if (rule) rules.push(rule);
    });
    checkDuplicates(rules, problems);
    return {
      id: `${file}#${g.name}`,
      name: g.name,
      file,
      intervalMs: g.interval ?? defaultIntervalMs,
      queryOffsetMs: g.query_offset ?? 0,
      limit: g.limit ?? 0,
      limits,
      rules,
    };
  });
}

/**
 * Two rules with the same name and the same static labels would write the
 * same series. The same alert name with different labels (a warning and a
 * critical threshold) is common and allowed, as in Prometheus.
 */
function checkDuplicates(rules: Rule[], problems: Problems) {
  const seen = new Map<string, Rule>();
  for (const r of rules) {
    const labels = Object.fromEntries(
      Object.entries(r.labels)
        .map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : v.source])
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    const key = `${r.type}:${r.name}:${JSON.stringify(labels)}`;
    const first = seen.get(key);
    if (first)
      problems.add(
        r.where,
        `duplicate rule "${r.name}" with the same labels (first at ${first.where})`,
        'give each a distinct name or distinct labels',
      );
    else seen.set(key, r);
  }
}

/** Every rule group vigil.yaml names: its `alerts:` and its `rule_files:` globs. Throws every problem at once. */
export function loadRuleGroups(loaded: LoadedConfig): RuleGroup[] {
  const problems = new Problems();
  const groups: RuleGroup[] = [];
  const guide = guideAlertsGroup(loaded, problems);
  if (guide) groups.push(guide);
  const base = path.dirname(loaded.file);
  // A file named by two patterns (or reached through a symlink) is loaded once.
  const loadedFiles = new Set<string>();
  loaded.config.rule_files.forEach((pattern: string, i: number) => {
    let files: string[];
    try {
      files = expandGlob(path.resolve(base, pattern)).filter((f) => {
        const real = realpathOr(f);
        if (loadedFiles.has(real)) return false;
        loadedFiles.add(real);
        return true;
      });
    } catch (e) {
      if (!(e instanceof VigilError)) throw e;
      problems.add(loaded.where(['rule_files', i]), e.message, e.hint);
      return;
    }
    if (!files.length && !/[*?[]/.test(pattern) && !existsSync(path.resolve(base, pattern))) {
      problems.add(loaded.where(['rule_files', i]), `rule file ${pattern} does not exist`);
    }
    for (const f of files)
      groups.push(...compileRuleFile(f, loaded.config.evaluation_interval, problems, limitsOf(loaded)));
  });
  problems.throwIfAny();
  return groups;
}

export { expandGlob, Problems };

function realpathOr(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

import { checkKinds } from '../checks/registry.js';
import type { VigilConfig } from '../config/schema.js';
import { didYouMean } from '../core/did-you-mean.js';
import { walk } from '../metrics/promql/ast.js';
import { stepKinds } from '../routines/steps/registry.js';
import type { RuleGroup } from './compile.js';

export interface RuleWarning {
  /** file:line:col of the rule */
  where: string;
  rule: string;
  metric: string;
  message: string;
  hint: string;
}

/** What every check run records, whatever its kind. */
const everyCheck = ['up', 'check_duration_seconds'];
/** What Vigil records about itself (backups, maintenance, routines, its own health) and about alerts. */
const ownPrefixes = ['vigil_', 'backup_', 'maintenance_', 'routine_', 'change_'];
const ownNames = ['ALERTS', 'ALERTS_FOR_STATE'];
const locationSeries = [
  'location_up',
  'check_locations_failing',
  'check_locations_unknown',
  'check_quorum',
  'probe_missing',
];

/**
 * Rules that select a series no configured check, scrape, recording rule or Vigil itself
 * produces: such a rule can never fire (`cpu_usgae > 0.8`, or `cpu_usage` without a host check).
 * Warnings, not errors: a series may come from a push or a check added later.
 */
export function unproducedSeries(config: VigilConfig, groups: readonly RuleGroup[]): RuleWarning[] {
  const kinds = new Set(config.checks.map((c) => c.kind));
  // A scrape (or any kind that does not declare its series) may produce any name.
  if ([...kinds].some((k) => checkKinds[k].series === undefined)) return [];
  const produced = new Set(everyCheck);
  for (const k of kinds) for (const n of checkKinds[k].series ?? []) produced.add(n);
  // A check run from several places also records each location's `location_up` and its verdict's series.
  if (config.checks.some((c) => c.locations)) for (const n of locationSeries) produced.add(n);
  for (const g of groups) for (const r of g.rules) if (r.type === 'record') produced.add(r.name);
  // A routine step records its figures (os_security_updates_pending, vulnerabilities_open, …).
  const stepSeries = (kind: string) => Object.keys(stepKinds[kind as keyof typeof stepKinds]?.series ?? {});
  for (const r of config.routines)
    for (const s of r.steps) for (const n of stepSeries(s.kind)) produced.add(n);
  const known = [
    ...new Set([
      ...everyCheck,
      ...Object.values(checkKinds).flatMap((k) => k.series ?? []),
      ...Object.keys(stepKinds).flatMap(stepSeries),
    ]),
  ];
  const checkOf = (name: string) => Object.entries(checkKinds).find(([, k]) => k.series?.includes(name))?.[0];
  const stepOf = (name: string) => Object.keys(stepKinds).find((k) => stepSeries(k).includes(name));
  /** where a series comes from: "a host check", "a routine's updates step" */
  const source = (name: string) => {
    const check = checkOf(name);
    if (check) return { what: `a ${check} check`, configured: kinds.has(check as never) };
    const step = stepOf(name);
    return step
      ? {
          what: `a routine's ${step} step`,
          configured: config.routines.some((r) => r.steps.some((s) => s.kind === step)),
        }
      : undefined;
  };

  const out: RuleWarning[] = [];
  for (const g of groups) {
    for (const r of g.rules) {
      const seen = new Set<string>();
      walk(r.query.expr, (node) => {
        if (node.kind !== 'vectorSelector') return;
        const name = node.name ?? node.matchers.find((m) => m.name === '__name__' && m.type === '=')?.value;
        if (!name || seen.has(name) || produced.has(name) || ownNames.includes(name)) return;
        if (ownPrefixes.some((p) => name.startsWith(p))) return;
        seen.add(name);
        const from = source(name);
        const guess = from ? undefined : didYouMean(name, known);
        const guessed = guess ? source(guess) : undefined;
        out.push({
          where: r.where,
          rule: r.name,
          metric: name,
          message: `rule "${r.name}" selects ${name}, which no configured check, scrape or Vigil itself produces`,
          hint: from
            ? `${name} comes from ${from.what}: add one, or the rule never fires`
            : guess
              ? `did you mean ${guess}?${guessed && !guessed.configured ? ` (from ${guessed.what})` : ''}`
              : 'a series from a scrape needs a scrape check; otherwise the rule never fires',
        });
      });
    }
  }
  return out;
}

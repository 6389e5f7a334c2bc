import { guideAlertsGroup, loadRuleGroups, type RuleGroup } from '../alerting/compile.js';
import { guideAlertSchema } from '../alerting/rule-schema.js';
import { LOCAL } from '../checks/quorum.js';
import type { Env } from '../config/interpolate.js';
import { type LoadedConfig, loadConfig } from '../config/loader.js';

export interface Setup {
  loaded: LoadedConfig;
  groups: RuleGroup[];
}

/** vigil.yaml and every rule it names, validated: what `up`, `validate` and SIGHUP all load. */
export function loadSetup(file: string, env: Env): Setup {
  const loaded = loadConfig(file, env);
  const groups = loadRuleGroups(loaded);
  const probes = probeAlertsGroup(loaded);
  if (probes) groups.push(probes);
  // Positions are for problems found while loading; dropping them frees the parsed YAML document.
  return { loaded: Object.freeze({ ...loaded, where: () => loaded.file }), groups };
}

/**
 * `ProbeMissing{location}`: a location none of whose agents has been heard from
 * for a minute and a half (`probe_missing == 1`), for a minute. A rule like any
 * other, so it is routed, grouped, silenced and inhibited like any other; it is
 * added when a check runs from another place, unless the config has its own
 * alert of that name.
 */
export function probeAlertsGroup(loaded: LoadedConfig): RuleGroup | undefined {
  const { checks, alerts } = loaded.config;
  const remote = checks.some((c) => c.locations?.some((l) => l !== LOCAL));
  if (!remote || alerts.some((a) => a.name === 'ProbeMissing')) return undefined;
  const rule = guideAlertSchema.parse({
    name: 'ProbeMissing',
    condition: 'probe_missing == 1',
    duration: '1m',
    severity: 'warning',
    summary: 'no probe reports from {{ $labels.location }}',
  });
  const group = guideAlertsGroup({
    ...loaded,
    config: { ...loaded.config, alerts: [rule] },
    where: () => `${loaded.file} (the built-in ProbeMissing alert)`,
  });
  return group && { ...group, id: `${loaded.file}#probes`, name: 'probes' };
}

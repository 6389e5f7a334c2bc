import { loadRuleGroups, type RuleGroup } from '../alerting/compile.js';
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
  // Positions are for problems found while loading; dropping them frees the parsed YAML document.
  return { loaded: Object.freeze({ ...loaded, where: () => loaded.file }), groups };
}

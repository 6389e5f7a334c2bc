import { type CompiledChanges, compileChanges } from '../config/changes.js';
import type { VigilConfig } from '../config/schema.js';

const cache = new WeakMap<object, CompiledChanges>();

/** The `changes:` block compiled once per loaded (frozen) config. */
export function changesOf(config: VigilConfig): CompiledChanges {
  let c = cache.get(config.changes);
  if (!c) {
    c = compileChanges(config.changes);
    cache.set(config.changes, c);
  }
  return c;
}

/**
 * The services the gate accepts: `changes.services` when given, else every `service` label on
 * checks plus the plain names in window, freeze and maintenance selectors. Empty: any name.
 */
export function knownServices(config: VigilConfig): Set<string> {
  if (config.changes.services.length) return new Set(config.changes.services);
  const c = config.changes;
  const names = [
    ...config.checks.flatMap((k) => (k.labels.service ? [k.labels.service] : [])),
    ...[...c.windows, ...c.freezes, ...c.maintenance].flatMap((w) => w.services ?? []),
  ];
  return new Set(names.filter((n) => !n.includes('*')));
}

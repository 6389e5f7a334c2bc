import { checkKinds } from '../checks/registry.js';
import type { CheckKind, CheckResult, HeartbeatReader } from '../checks/types.js';
import { loadConfig } from '../config/loader.js';
import { systemClock } from '../core/clock.js';
import { VigilError } from '../errors.js';
import { Monitor } from '../services/monitor.js';
import type { Store } from '../store/store.js';
import { configPath } from './config-path.js';
import { type Io, paint, table } from './output.js';

/**
 * The morning health check: run the checks once, now, and print what they say.
 * Nothing is recorded; the store is opened only if a heartbeat check needs the
 * pings it holds or a log check its offsets. Exit 1 when any check is critical.
 */
export async function checkCommand(
  io: Io,
  names: string[],
  opts: { config?: string; json?: boolean },
): Promise<number> {
  const { config } = loadConfig(configPath(io, opts.config), io.env);
  const unknown = names.filter((n) => !config.checks.some((c) => c.name === n));
  if (unknown.length) {
    throw new VigilError('CHECK_NOT_FOUND', `no check named ${unknown.map((n) => `"${n}"`).join(', ')}`, {
      hint: `configured: ${config.checks.map((c) => c.name).join(', ') || 'none'}`,
    });
  }
  const selected = names.length ? config.checks.filter((c) => names.includes(c.name)) : config.checks;
  let store: Promise<Store> | undefined;
  const heartbeats: HeartbeatReader = {
    async last(check) {
      return (await opened()).heartbeats.last(check);
    },
  };
  // A log check resumes from the offsets the daemon (or the last `vigil check`) left.
  const opened = () => {
    // Imported here: the store and its query builder are most of the start-up, and most checks never need it.
    store ??= import('../store/store.js').then(({ openStore }) => openStore(config.storage));
    return store;
  };
  const state = {
    get: async (owner: string) => (await opened()).state.get(owner),
    set: async (owner: string, key: string, value: unknown) => (await opened()).state.set(owner, key, value),
  };
  const needsState = selected.some((c) => c.kind === 'log');
  const monitor = new Monitor({
    clock: systemClock,
    heartbeats,
    state: needsState ? state : undefined,
    record: () => {},
    concurrency: 64,
  });
  let results: CheckResult[];
  try {
    results = await Promise.all(selected.map((c) => monitor.runOne(c)));
  } finally {
    if (store) await (await store.catch(() => undefined))?.close();
  }

  if (opts.json) {
    io.out(
      JSON.stringify(
        {
          ok: !results.some((r) => r.status === 'critical'),
          checks: results.map((r) => ({
            name: r.check,
            kind: r.kind,
            status: r.status,
            durationMs: Math.round(r.durationMs * 10) / 10,
            message: r.message,
            at: new Date(r.startedAt).toISOString(),
          })),
        },
        null,
        2,
      ),
    );
  } else if (!results.length) {
    io.out('no checks configured');
  } else {
    const rows = results.map((r) => {
      const check = selected.find((c) => c.name === r.check)!;
      const kind = checkKinds[check.kind] as CheckKind<unknown>;
      return [
        r.check,
        r.kind,
        paint(io, r.status),
        `${Math.round(r.durationMs)}ms`,
        r.message || kind.target(check.spec),
      ];
    });
    io.out(table([['NAME', 'KIND', 'STATUS', 'LATENCY', 'MESSAGE'], ...rows]));
    const counts = new Map<string, number>();
    for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    io.out(`\n${[...counts].map(([s, n]) => `${n} ${paint(io, s)}`).join(', ')}`);
  }
  return results.some((r) => r.status === 'critical') ? 1 : 0;
}

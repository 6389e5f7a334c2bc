import { loadConfig } from '../config/loader.js';
import { openStore } from '../store/store.js';
import { configPath } from './config-path.js';
import { type Io, paint, table } from './output.js';

/**
 * `vigil alerts`: the alerts that are pending or firing, read from the store's
 * transition history (so it answers for a daemon on this machine or any node
 * sharing its PostgreSQL store).
 */
export async function alertsCommand(
  io: Io,
  opts: { config?: string; json?: boolean; since?: string },
): Promise<number> {
  const { config } = loadConfig(configPath(io, opts.config), io.env);
  const store = await openStore(config.storage);
  try {
    const now = Date.now();
    const history = await store.alerts.history({ from: now - 30 * 86_400_000, to: now, limit: 100_000 });
    const latest = new Map<string, (typeof history)[number]>();
    for (const t of history) if (!latest.has(t.fingerprint)) latest.set(t.fingerprint, t);
    const active = [...latest.values()]
      .filter((t) => t.to === 'pending' || t.to === 'firing')
      .sort((a, b) => (a.to === b.to ? a.rule.localeCompare(b.rule) : a.to === 'firing' ? -1 : 1));
    if (opts.json) {
      io.out(
        JSON.stringify(
          {
            alerts: active.map((t) => ({
              alertname: t.rule,
              state: t.to,
              labels: t.labels,
              since: new Date(t.at).toISOString(),
              value: t.value,
              reason: t.reason,
            })),
          },
          null,
          2,
        ),
      );
    } else if (!active.length) {
      io.out('no alerts pending or firing');
    } else {
      const rows = active.map((t) => {
        const { alertname: _, ...labels } = t.labels;
        return [
          t.rule,
          paint(io, t.to === 'firing' ? 'critical' : 'warning', t.to),
          new Date(t.at).toISOString(),
          Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
          t.reason,
        ];
      });
      io.out(table([['ALERT', 'STATE', 'SINCE', 'LABELS', 'REASON'], ...rows]));
    }
    return 0;
  } finally {
    await store.close();
  }
}

import { clusterView } from '../cluster/view.js';
import { loadSetup } from '../services/setup.js';
import { openStore } from '../store/store.js';
import { configPath } from './config-path.js';
import { type Io, paint, table } from './output.js';

/**
 * `vigil cluster status`: the nodes sharing the config's store, read from the
 * store itself (it answers while any node is down): each node, its shards and
 * whether it leads, and every lease with its epoch and expiry.
 */
export async function clusterStatusCommand(
  io: Io,
  opts: { config?: string; json?: boolean },
): Promise<number> {
  const setup = loadSetup(configPath(io, opts.config), io.env);
  const { config } = setup.loaded;
  const store = await openStore(config.storage);
  try {
    const view = clusterView({
      nodes: await store.cluster.nodes(),
      leases: await store.cluster.leases(),
      now: Date.now(),
      ttlMs: config.cluster.lease_ttl,
      shards: config.cluster.shards,
      mode: store.dialect === 'postgres' ? 'cluster' : 'single',
    });
    if (opts.json) {
      io.out(JSON.stringify(view, null, 2));
      return 0;
    }
    if (view.mode === 'single')
      io.out('single node (SQLite): several nodes need storage: postgres://…; see "Running several nodes"\n');
    io.out(
      table([
        ['NODE', 'HOST', 'PID', 'VERSION', 'STATE', 'LAST HEARTBEAT', 'LEADER', 'SHARDS'],
        ...view.nodes.map((n) => [
          n.id,
          n.host,
          String(n.pid),
          n.version,
          paint(io, n.alive ? 'ok' : 'critical', n.alive ? 'alive' : 'silent'),
          `${(n.lagMs / 1000).toFixed(1)} s ago`,
          n.leader ? 'yes' : '',
          String(n.shards.length),
        ]),
      ]),
    );
    if (view.mode === 'cluster') {
      io.out('');
      io.out(
        table([
          ['LEASE', 'HOLDER', 'EPOCH', 'EXPIRES'],
          ...view.leases.map((l) => [
            l.name,
            l.live ? (l.holder ?? '') : paint(io, 'warning', 'free'),
            String(l.epoch),
            l.live ? l.expiresAt : '-',
          ]),
        ]),
      );
      if (view.unowned.length)
        io.out(
          paint(
            io,
            'warning',
            `\n${view.unowned.length} shard(s) held by no live node: their checks wait for one`,
          ),
        );
    }
    // Exit 1 when work is unowned: a script or a CI step can gate on it.
    return view.mode === 'cluster' && view.unowned.length > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

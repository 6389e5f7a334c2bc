import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ago } from '../format';
import { StatusBadge } from './status';

interface ClusterView {
  mode: 'cluster' | 'single';
  self?: string;
  leaseTtlMs: number;
  nodes: Array<{
    id: string;
    host: string;
    pid: number;
    version: string;
    url: string | null;
    alive: boolean;
    lastHeartbeat: string;
    leader: boolean;
    shards: string[];
  }>;
  unowned: string[];
}

/**
 * The nodes that share this store (`vigil cluster status`): which is alive,
 * which evaluates the rules, how many shards of the checks each holds. On
 * SQLite, one line saying Vigil runs as one node.
 */
export function NodesSection() {
  const [view, setView] = useState<ClusterView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () =>
      api<ClusterView>('/cluster').then(
        (v) => {
          setView(v);
          setError(null);
        },
        (e: Error) => setError(e.message),
      );
    void load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, []);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!view) return null;
  const now = Date.now();
  if (view.mode === 'single')
    return (
      <p class="muted" data-cluster="single">
        One node on SQLite. Several nodes share the work on PostgreSQL (see “Running several nodes” in the
        README).
      </p>
    );
  return (
    <section aria-labelledby="nodes-title" data-cluster="cluster">
      <h2 id="nodes-title">Nodes</h2>
      {view.unowned.length ? (
        <p role="alert" class="error">
          {view.unowned.length} shard(s) of the checks have no live node: their checks wait for one.
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">State</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Role</th>
            <th scope="col">Shards</th>
            <th scope="col">Version</th>
          </tr>
        </thead>
        <tbody>
          {view.nodes.map((n) => (
            <tr key={n.id} data-node={n.id}>
              <td>
                {n.url ? <a href={n.url}>{n.id}</a> : n.id}
                {n.id === view.self ? <span class="muted"> (this one)</span> : null}
                <div class="muted">
                  {n.host}, pid {n.pid}
                </div>
              </td>
              <td>
                <StatusBadge status={n.alive ? 'ok' : 'down'} word={n.alive ? 'Alive' : 'Silent'} />
              </td>
              <td>{ago(Date.parse(n.lastHeartbeat), now)}</td>
              <td>{n.leader ? 'evaluates rules, groups notifications' : 'checks, deliveries'}</td>
              <td>{n.shards.length}</td>
              <td>{n.version}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        Each node renews its leases every {Math.round(view.leaseTtlMs / 3000)} s; a node silent for{' '}
        {Math.round(view.leaseTtlMs / 1000)} s loses its work to the others.
      </p>
    </section>
  );
}

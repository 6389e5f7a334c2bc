import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { alertingLease, ClusterMembership } from '../cluster/membership.js';
import type { ClusterConfig } from '../config/cluster.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { describe, VigilError } from '../errors.js';
import { ClusterDriver } from '../scheduler/cluster-driver.js';
import type { SchedulerDriver } from '../scheduler/types.js';
import type { ClusterRepo, NodeRow } from '../store/cluster.js';
import { readMetrics } from './own-metrics.js';

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ClusterParts {
  /** this node's id in the store */
  node: string;
  /** null on SQLite: one node, no leases */
  membership: ClusterMembership | null;
  /** the job runner's driver: undefined on SQLite (the local timer heap) */
  driver: SchedulerDriver | undefined;
  clusterDriver: ClusterDriver | undefined;
  leading(): boolean;
  canSend(): boolean;
  setUrl(url: string): void;
  leave(): Promise<void>;
}

/**
 * This daemon's place among others on the same store. On PostgreSQL it joins
 * the cluster (leases, the cluster driver); on SQLite it is the only node, and
 * a second daemon on the same file is refused while the first is alive.
 */
export async function joinCluster(opts: {
  dialect: 'sqlite' | 'postgres';
  repo: ClusterRepo;
  config: ClusterConfig;
  clock: Clock;
  version: string;
  log: Log;
  onLeadership(leading: boolean): void;
}): Promise<ClusterParts> {
  const { clock, repo, config } = opts;
  const name = config.node_name ?? hostname();
  const node = {
    id: `${name}-${randomBytes(3).toString('hex')}`,
    name,
    pid: process.pid,
    version: opts.version,
    url: null as string | null,
    startedAt: clock.now(),
  };
  const row = () => ({ ...node, host: node.name });

  if (opts.dialect === 'sqlite') {
    const now = clock.now();
    const other = (await repo.nodes()).find((n) => liveElsewhere(n, now, config.lease_ttl));
    if (other)
      throw new VigilError(
        'STORE_IN_USE',
        `another Vigil daemon (pid ${other.pid} on ${other.host}) is using this SQLite store`,
        {
          hint: 'stop it first; several nodes need storage: postgres://… (see "Running several nodes" in the README)',
        },
      );
    await repo.heartbeat(row(), now);
    let timer: TimerHandle | undefined;
    let running = true;
    const beat = () => {
      // A heartbeat for `vigil up`'s in-use check, not scheduled work: it must go on while jobs are busy.
      timer = clock.setTimer(Math.floor(config.lease_ttl / 3), () => {
        repo
          .heartbeat(row(), clock.now())
          .catch((e) => opts.log.warn({ err: describe(e) }, 'could not record this daemon as alive'))
          .finally(() => {
            if (running) beat();
          });
      });
    };
    beat();
    return {
      node: node.id,
      membership: null,
      driver: undefined,
      clusterDriver: undefined,
      leading: () => true,
      canSend: () => true,
      setUrl(url) {
        node.url = url;
      },
      async leave() {
        running = false;
        timer?.cancel();
        await repo.leave(node.id, clock.now()).catch(() => {});
      },
    };
  }

  const membership = new ClusterMembership({
    clock,
    repo,
    node,
    ttlMs: config.lease_ttl,
    shards: config.shards,
    measureSkew: true,
    log: opts.log,
    onLeadership: (l) => opts.onLeadership(l),
  });
  const clusterDriver = new ClusterDriver(clock, membership.owns, (message, e) =>
    opts.log.error({ err: describe(e) }, message),
  );
  await membership.join();
  // Renew from now on: the rest of the start-up may take longer than a lease lasts.
  membership.start();
  opts.log.info(
    {
      node: node.id,
      shards: membership.status().leases.filter((l) => l.holder === node.id && l.name.startsWith('shard:'))
        .length,
    },
    'joined the cluster',
  );
  return {
    node: node.id,
    membership,
    driver: clusterDriver,
    clusterDriver,
    leading: () => membership.leading(),
    canSend: () => membership.alive(),
    setUrl(url) {
      node.url = url;
    },
    leave: () => membership.leave(),
  };
}

/** A row of another daemon that is still running: recent heartbeat, not stopped, and its process alive. */
function liveElsewhere(n: NodeRow, now: number, ttlMs: number): boolean {
  if (n.stoppedAt !== null || now - n.heartbeatAt >= ttlMs) return false;
  if (n.host === hostname() || n.pid === process.pid) {
    if (n.pid === process.pid) return false;
    try {
      process.kill(n.pid, 0);
    } catch (e) {
      // ESRCH: that daemon died (kill -9, a crash) and left its row; EPERM: alive, another user's.
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  return true;
}

/** `vigil_cluster_*` on /metrics. */
export function clusterMetrics(registry: Registry, parts: ClusterParts): void {
  const m = parts.membership;
  if (!m) return;
  const { counter, gauge } = readMetrics(registry);
  gauge(
    'vigil_cluster_member',
    'Whether this node holds a valid membership (1) or stopped its work (0)',
    () => (m.alive() ? 1 : 0),
  );
  gauge('vigil_cluster_leader', 'Whether this node evaluates the rules and groups notifications', () =>
    m.holds(alertingLease) ? 1 : 0,
  );
  gauge(
    'vigil_cluster_nodes',
    'Nodes whose heartbeat is younger than the lease TTL',
    () => m.status().nodes.filter((n) => n.alive).length,
  );
  gauge(
    'vigil_cluster_shards_held',
    'Check shards this node holds now',
    () => m.status().leases.filter((l) => l.live && l.holder === m.id && l.name.startsWith('shard:')).length,
  );
  gauge('vigil_cluster_shards', 'Check shards in the cluster', () => m.status().shards);
  gauge(
    'vigil_cluster_clock_skew_seconds',
    "This node's clock minus PostgreSQL's, at the last renewal",
    () => (m.status().skewMs ?? 0) / 1000,
  );
  counter('vigil_cluster_renewals_total', 'Lease renewal rounds that succeeded', () => m.counters.renewals);
  counter(
    'vigil_cluster_renewal_failures_total',
    'Lease renewal rounds that failed',
    () => m.counters.renewalFailures,
  );
  counter('vigil_cluster_leases_acquired_total', 'Leases this node took', () => m.counters.acquired);
  counter(
    'vigil_cluster_leases_lost_total',
    'Leases that expired before this node renewed them',
    () => m.counters.lost,
  );
  counter(
    'vigil_cluster_fenced_total',
    'Times this node stopped its work because its leases ran out',
    () => m.counters.fenced,
  );
  const d = parts.clusterDriver;
  if (d) {
    counter(
      'vigil_cluster_jobs_declined_total',
      'Due times of jobs another node runs',
      () => d.stats.declined,
    );
    counter(
      'vigil_cluster_claim_errors_total',
      'Due times not run because the claim failed',
      () => d.stats.claimErrors,
    );
  }
}

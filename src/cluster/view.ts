import type { LeaseRow, NodeRow } from '../store/cluster.js';
import { alertingLease } from './membership.js';

export interface ClusterView {
  mode: 'cluster' | 'single';
  /** the node answering, when a daemon answers (the API); absent from the CLI */
  self?: string;
  leaseTtlMs: number;
  nodes: Array<{
    id: string;
    host: string;
    pid: number;
    version: string;
    url: string | null;
    alive: boolean;
    startedAt: string;
    lastHeartbeat: string;
    /** how long ago its last heartbeat was */
    lagMs: number;
    leader: boolean;
    shards: string[];
  }>;
  leases: Array<{
    name: string;
    holder: string | null;
    epoch: number;
    live: boolean;
    renewedAt: string;
    expiresAt: string;
  }>;
  /** shards no live node holds now: their checks are not running */
  unowned: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** What `vigil cluster status` and `GET /api/v1/cluster` show, from the rows alone. */
export function clusterView(opts: {
  nodes: readonly NodeRow[];
  leases: readonly LeaseRow[];
  now: number;
  ttlMs: number;
  shards?: number;
  mode: 'cluster' | 'single';
  self?: string;
}): ClusterView {
  const { now, ttlMs } = opts;
  const live = (l: LeaseRow) => l.holder !== null && l.expiresAt > now;
  // Nodes stopped or silent for a day are history, not membership.
  const recent = opts.nodes.filter((n) => now - n.heartbeatAt < 86_400_000 && n.stoppedAt === null);
  const shards = opts.shards ?? opts.leases.filter((l) => l.name.startsWith('shard:')).length;
  const held = new Set(opts.leases.filter((l) => live(l) && l.name.startsWith('shard:')).map((l) => l.name));
  const unowned: string[] = [];
  if (opts.mode === 'cluster')
    for (let i = 0; i < shards; i++) if (!held.has(`shard:${i}`)) unowned.push(`shard:${i}`);
  return {
    mode: opts.mode,
    ...(opts.self ? { self: opts.self } : {}),
    leaseTtlMs: ttlMs,
    nodes: recent.map((n) => ({
      id: n.id,
      host: n.host,
      pid: n.pid,
      version: n.version,
      url: n.url,
      alive: now - n.heartbeatAt < ttlMs,
      startedAt: iso(n.startedAt),
      lastHeartbeat: iso(n.heartbeatAt),
      lagMs: Math.max(0, now - n.heartbeatAt),
      leader: opts.leases.some((l) => live(l) && l.holder === n.id && l.name === alertingLease),
      shards: opts.leases
        .filter((l) => live(l) && l.holder === n.id && l.name.startsWith('shard:'))
        .map((l) => l.name),
    })),
    leases: opts.leases.map((l) => ({
      name: l.name,
      holder: l.holder,
      epoch: l.epoch,
      live: live(l),
      renewedAt: iso(l.renewedAt),
      expiresAt: iso(l.expiresAt),
    })),
    unowned,
  };
}

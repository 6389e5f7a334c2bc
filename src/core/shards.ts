/**
 * How the work of a cluster is split: jobs are hashed into shards, and each
 * live node is given a fair share of the shards. Pure: the membership code
 * feeds it the rows it read and carries out the plan.
 */

/** FNV-1a, 32 bits: stable across processes and versions, unlike a language's own hash. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shardOf(jobId: string, shards: number): number {
  return hash32(jobId) % shards;
}

export const shardLease = (i: number): string => `shard:${i}`;

/** How many shards each live node should hold: the same answer on every node. */
export function fairShare(liveNodes: readonly string[], shards: number): Map<string, number> {
  const sorted = [...liveNodes].sort();
  const base = Math.floor(shards / Math.max(1, sorted.length));
  const extra = shards - base * sorted.length;
  return new Map(sorted.map((id, i) => [id, base + (i < extra ? 1 : 0)]));
}

export interface LeaseView {
  name: string;
  holder: string | null;
  expiresAt: number;
}

export interface ShardPlan {
  acquire: string[];
  release: string[];
}

/**
 * What `me` should take and give back now. It takes free or expired shards up
 * to its share, preferring the ones it ranks highest (rendezvous hashing: nodes
 * prefer different shards, so they rarely race for the same one), and gives back
 * what it holds beyond its share once another live node is short of its own.
 */
export function planShards(
  me: string,
  liveNodes: readonly string[],
  leases: readonly LeaseView[],
  shards: number,
  now: number,
): ShardPlan {
  const share = fairShare(liveNodes.includes(me) ? liveNodes : [...liveNodes, me], shards);
  const byName = new Map(leases.map((l) => [l.name, l]));
  const held = new Map<string, number>();
  const free: string[] = [];
  for (let i = 0; i < shards; i++) {
    const name = shardLease(i);
    const l = byName.get(name);
    if (!l || l.holder === null || l.expiresAt <= now) free.push(name);
    else held.set(l.holder, (held.get(l.holder) ?? 0) + 1);
  }
  const mine = leases.filter(
    (l) => l.holder === me && l.expiresAt > now && l.name.startsWith('shard:') && shardIndex(l.name) < shards,
  );
  const want = share.get(me) ?? 0;
  const rank = (name: string) => hash32(`${me}\u0000${name}`);
  if (mine.length < want) {
    free.sort((a, b) => rank(b) - rank(a));
    return { acquire: free.slice(0, want - mine.length), release: [] };
  }
  const someoneShort = [...share].some(([id, n]) => id !== me && (held.get(id) ?? 0) < n);
  if (mine.length > want && someoneShort) {
    const extra = mine.map((l) => l.name).sort((a, b) => rank(a) - rank(b));
    return { acquire: [], release: extra.slice(0, mine.length - want) };
  }
  return { acquire: [], release: [] };
}

function shardIndex(name: string): number {
  return Number(name.slice('shard:'.length));
}

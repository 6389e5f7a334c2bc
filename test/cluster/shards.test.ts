import { describe, expect, it } from 'vitest';
import { fairShare, type LeaseView, planShards, shardLease, shardOf } from '../../src/core/shards.js';

const lease = (i: number, holder: string | null, expiresAt = 10_000): LeaseView => ({
  name: shardLease(i),
  holder,
  expiresAt,
});

describe('sharding the work of a cluster', () => {
  it('gives every live node a fair share, the same on every node', () => {
    expect([...fairShare(['b', 'a', 'c'], 32)]).toEqual([
      ['a', 11],
      ['b', 11],
      ['c', 10],
    ]);
    expect([...fairShare(['x'], 8)]).toEqual([['x', 8]]);
  });

  it('hashes a job to the same shard in every process', () => {
    expect(shardOf('check:api', 32)).toBe(shardOf('check:api', 32));
    const spread = new Set(Array.from({ length: 500 }, (_, i) => shardOf(`check:c${i}`, 32)));
    expect(spread.size).toBe(32);
  });

  it('takes free and expired shards up to its share, and nothing held by a live node', () => {
    const leases = [lease(0, 'b'), lease(1, 'b'), lease(2, 'gone', 500), lease(3, null)];
    const plan = planShards('a', ['a', 'b'], leases, 4, 1000);
    expect(plan.release).toEqual([]);
    expect(plan.acquire.sort()).toEqual(['shard:2', 'shard:3']);
  });

  it('gives back what it holds beyond its share only when another live node is short', () => {
    const all = [0, 1, 2, 3].map((i) => lease(i, 'a'));
    // b joined and holds nothing: a gives two back.
    expect(planShards('a', ['a', 'b'], all, 4, 1000).release).toHaveLength(2);
    // alone: a keeps all.
    expect(planShards('a', ['a'], all, 4, 1000)).toEqual({ acquire: [], release: [] });
  });

  it('different nodes prefer different free shards, so they rarely race for one', () => {
    const free = Array.from({ length: 32 }, (_, i) => lease(i, null));
    const a = planShards('node-a', ['node-a', 'node-b'], free, 32, 1000).acquire;
    const b = planShards('node-b', ['node-a', 'node-b'], free, 32, 1000).acquire;
    const overlap = a.filter((x) => b.includes(x)).length;
    expect(overlap).toBeLessThan(12);
  });
});

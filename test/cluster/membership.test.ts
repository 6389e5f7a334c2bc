import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingLease, ClusterMembership } from '../../src/cluster/membership.js';
import { FakeClock } from '../../src/core/clock.js';
import { shardLease, shardOf } from '../../src/core/shards.js';
import type { Job } from '../../src/scheduler/types.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testDatabases } from '../store/databases.js';

const postgres = testDatabases.find((d) => d.name === 'postgres');
const ttl = 15_000;
const shards = 32;
const quiet = { info() {}, warn() {}, error() {} };

describe.skipIf(!postgres)('cluster membership on PostgreSQL (fake clock, real database)', () => {
  let db: { url: string; drop(): Promise<void> };
  let store: Store;
  const clock = new FakeClock(Date.UTC(2026, 5, 1));

  beforeAll(async () => {
    db = await postgres!.create();
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const node = (id: string, onLeadership?: (l: boolean) => void) =>
    new ClusterMembership({
      clock,
      repo: store.cluster,
      node: { id, name: id, pid: 1, version: 'test', url: null, startedAt: clock.now() },
      ttlMs: ttl,
      shards,
      // The fake clock is not PostgreSQL's: skew is measured by the daemon tests on the real clock.
      measureSkew: false,
      log: quiet,
      ...(onLeadership ? { onLeadership } : {}),
    });
  const held = (m: ClusterMembership) =>
    Array.from({ length: shards }, (_, i) => shardLease(i)).filter((l) => m.holds(l)).length;
  const check = (name: string): Job => ({
    id: `check:${name}`,
    scope: 'shard',
    schedule: { type: 'every', everyMs: 10_000 },
  });

  it('splits the shards evenly between live nodes, and one node leads', async () => {
    const leads: boolean[] = [];
    const a = node('a', (l) => leads.push(l));
    await a.join();
    expect(held(a)).toBe(shards);
    expect(a.leading()).toBe(true);
    expect(leads).toEqual([true]);

    const b = node('b');
    await b.join();
    // b is short of its share: a gives back the extra on its next round, b takes them on its own.
    expect(held(b)).toBe(0);
    await a.renewNow();
    await b.renewNow();
    expect([held(a), held(b)]).toEqual([16, 16]);
    expect(b.leading()).toBe(false);
    // Every check is run by exactly one of them.
    for (let i = 0; i < 200; i++) {
      const job = check(`c${i}`);
      expect(Number(a.owns(job, 0)) + Number(b.owns(job, 0))).toBe(1);
    }
    await a.leave();
    await b.leave();
  });

  it('a node that stops renewing stops its work before its leases end, and another takes them at the TTL', async () => {
    const a = node('a2');
    const b = node('b2');
    await a.join();
    await b.join();
    await a.renewNow();
    await b.renewNow();
    expect(held(a) + held(b)).toBe(shards);
    const aLeases = Array.from({ length: shards }, (_, i) => shardLease(i))
      .filter((l) => a.holds(l))
      .concat(alertingLease);
    // a dies now: it never renews again. b renews every third of the TTL.
    const both: string[] = [];
    let moved: number | undefined;
    const start = clock.now();
    for (let t = 0; t <= 2 * ttl; t += 500) {
      await clock.advance(500);
      if ((clock.now() - start) % 5000 === 0) await b.renewNow();
      for (const l of aLeases) if (a.holds(l) && b.holds(l)) both.push(`${l}@${clock.now() - start}`);
      if (moved === undefined && aLeases.every((l) => b.holds(l))) moved = clock.now() - start;
    }
    expect(both).toEqual([]);
    expect(a.alive()).toBe(false);
    expect(held(b)).toBe(shards);
    expect(b.leading()).toBe(true);
    // Within the TTL plus one renewal period.
    expect(moved).toBeLessThanOrEqual(ttl + ttl / 3);
    // The history: every change of holder has a new epoch.
    const history = await store.cluster.history(alertingLease);
    const epochs = history.map((h) => h.epoch);
    expect(new Set(epochs).size).toBe(epochs.length);
    expect(history.at(-1)!.holder).toBe('b2');
    await b.leave();
  });

  it('a node frozen past its TTL runs nothing when it wakes, and comes back under a new epoch', async () => {
    const a = node('a3');
    const b = node('b3');
    await a.join();
    await b.join();
    await a.renewNow();
    await b.renewNow();
    // A check of a shard a holds.
    const job = Array.from({ length: 100 }, (_, i) => check(`frozen${i}`)).find((j) =>
      a.owns(j, clock.now()),
    )!;
    const lease = shardLease(shardOf(job.id, shards));
    const epoch = a.epochOf(lease)!;
    // SIGSTOP of both processes' clocks for twice the TTL (one fake clock): a wakes first.
    await clock.suspend(2 * ttl);
    expect(a.alive()).toBe(false);
    expect(a.owns(job, clock.now())).toBe(false);
    expect(a.leading()).toBe(false);
    await b.renewNow();
    expect(b.owns(job, clock.now())).toBe(true);
    // a's renewal finds its leases gone; it gets a share back only under a newer epoch.
    await a.renewNow();
    await b.renewNow();
    await a.renewNow();
    expect(b.epochOf(lease)! > epoch || (a.epochOf(lease) ?? 0) > epoch).toBe(true);
    expect(Number(a.owns(job, clock.now())) + Number(b.owns(job, clock.now()))).toBe(1);
    await a.leave();
    await b.leave();
  });

  it('a node alone keeps its checks through a store it cannot reach, but not its rules or scheduled work', async () => {
    const a = node('a7');
    await a.join();
    const job = check('alone');
    const once: Job = { id: 'backup:alone', scope: 'once', schedule: { type: 'every', everyMs: 60_000 } };
    await clock.advance(ttl);
    expect(a.alive()).toBe(false);
    expect(a.owns(job, clock.now())).toBe(true);
    expect(a.leading()).toBe(false);
    expect(a.owns(once, clock.now())).toBe(false);
    await a.leave();
  });

  it('a due time of a scheduled job is claimed by exactly one node', async () => {
    const a = node('a4');
    const b = node('b4');
    const c = node('c4');
    await Promise.all([a.join(), b.join(), c.join()]);
    const job: Job = { id: 'backup:orders', scope: 'once', schedule: { type: 'every', everyMs: 60_000 } };
    for (let i = 0; i < 20; i++) {
      const due = Date.UTC(2026, 5, 2, 2, i);
      const won = await Promise.all([a.owns(job, due), b.owns(job, due), c.owns(job, due)]);
      expect(won.filter(Boolean)).toHaveLength(1);
    }
    // A node that could not renew claims nothing.
    await clock.advance(ttl);
    expect(await a.owns(job, Date.UTC(2026, 5, 3))).toBe(false);
    await Promise.all([a.leave(), b.leave(), c.leave()]);
  });

  it("the survivors take all of a dead node's shards in the round after its leases expire, even racing each other", async () => {
    const [a, b, c] = [node('a6'), node('b6'), node('c6')];
    for (const m of [a, b, c]) await m.join();
    for (const m of [a, b, c, a, b, c]) await m.renewNow();
    expect([held(a), held(b), held(c)].sort()).toEqual([10, 11, 11]);
    // c dies; a and b renew together at the moment its leases have expired.
    await clock.advance(ttl / 3);
    await Promise.all([a.renewNow(), b.renewNow()]);
    await clock.advance(ttl - ttl / 3);
    await Promise.all([a.renewNow(), b.renewNow()]);
    expect(held(a) + held(b)).toBe(shards);
    await a.leave();
    await b.leave();
  });

  it('leaving gives every lease back at once', async () => {
    const a = node('a5');
    const b = node('b5');
    await a.join();
    await b.join();
    await a.leave();
    await b.renewNow();
    expect(held(b)).toBe(shards);
    expect(b.leading()).toBe(true);
    await b.leave();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { DeliveryWorkers } from '../../src/notify/delivery.js';
import { openStore, type Store } from '../../src/store/store.js';
import { startReceiver } from '../notify/receiver.js';
import { testDatabases } from '../store/databases.js';

const t0 = Date.UTC(2026, 5, 1);
const claimMs = 20_000;

/** An announcement row for the webhook channel `hook`, due at t0. */
const announcement = (id: string, key: string, createdAt = t0) => ({
  id,
  idempotencyKey: key,
  channel: 'hook',
  provider: 'webhook',
  groupKey: 'g',
  event: 'firing' as const,
  payload: { title: 't', body: 'b', announcement: { kind: 'test', text: 'x' } } as never,
  alerts: 0,
  incidents: [],
  createdAt,
  nextAttemptAt: t0,
});

/** Delivery workers over `repo` on `clock`, sending to a webhook at `url`. */
const workersFor = (
  clock: FakeClock,
  repo: Store['notifications'],
  url: string,
  workers: number,
): DeliveryWorkers =>
  new DeliveryWorkers({
    clock,
    repo,
    node: 'n',
    channel: () => ({
      name: 'hook',
      provider: 'webhook',
      spec: { url, alertmanager_compatible: false, max_alerts: 0, headers: {} },
      sendResolved: true,
      templates: {},
    }),
    settings: () => ({
      timeoutMs: 10_000,
      retry: { initial: 1000, max: 10_000 },
      giveUpAfterMs: 3_600_000,
      workers,
    }),
  });

describe.each(testDatabases)('the outbox shared by several nodes ($name)', (database) => {
  let db: { url: string; drop(): Promise<void> };
  let store: Store;

  beforeAll(async () => {
    db = await database.create();
    store = await openStore(db.url);
    for (let i = 0; i < 120; i++)
      await store.notifications.enqueue({
        id: `n${i}`,
        idempotencyKey: `key-${i}`,
        channel: 'hook',
        provider: 'webhook',
        groupKey: 'g',
        event: 'firing',
        payload: { title: 't', body: 'b' } as never,
        alerts: 1,
        incidents: [],
        createdAt: t0 + i,
        nextAttemptAt: t0,
      });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('claims each pending notification for one node only, even when nodes claim at once', async () => {
    const claims = await Promise.all(
      ['a', 'b', 'c'].map((n) => store.notifications.claim(n, t0 + 1000, 50, claimMs)),
    );
    const ids = claims.flat().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(120);
    // Claimed rows are nobody else's until the claim ends.
    expect(await store.notifications.claim('d', t0 + 2000, 200, claimMs)).toEqual([]);
  });

  it('a claim that ended without an outcome is taken again, and shows it may be a duplicate', async () => {
    const later = t0 + 1000 + claimMs;
    const again = await store.notifications.claim('d', later, 200, claimMs);
    expect(again).toHaveLength(120);
    expect(again.every((r) => r.claims === 2 && r.attempts === 0)).toBe(true);
  });

  it("an outcome from a node whose claim passed to another is kept as an attempt, not as the row's state", async () => {
    const at = t0 + 1000 + claimMs + 5;
    // 'a' (its claim long gone) reports a delivery; 'd' holds the claim now.
    await store.notifications.attempted(
      'n0',
      { at, durationMs: 3, result: 'ok', statusCode: 200, error: null },
      { status: 'delivered' },
      'a',
    );
    let row = await store.notifications.get('n0');
    expect(row!.status).toBe('pending');
    expect(row!.log.map((l) => l.node)).toEqual(['a']);
    await store.notifications.attempted(
      'n0',
      { at: at + 1, durationMs: 3, result: 'ok', statusCode: 200, error: null },
      { status: 'delivered' },
      'd',
    );
    row = await store.notifications.get('n0');
    expect(row!.status).toBe('delivered');
    expect(row!.log.map((l) => l.node)).toEqual(['a', 'd']);
  });

  it('renews a claim only for its holder, while nobody claimed the row since and it is pending', async () => {
    // after the tests above, 'd' holds n1 (its second claim); 'a' held it first; n0 is delivered
    const at = t0 + 1000 + claimMs + 10;
    expect(await store.notifications.renewClaim({ id: 'n1', claims: 1 }, 'a', at, claimMs)).toBeUndefined();
    expect(await store.notifications.renewClaim({ id: 'n1', claims: 2 }, 'b', at, claimMs)).toBeUndefined();
    expect(await store.notifications.renewClaim({ id: 'n0', claims: 2 }, 'd', at, claimMs)).toBeUndefined();
    const renewed = await store.notifications.renewClaim({ id: 'n1', claims: 2 }, 'd', at, claimMs);
    expect(renewed).toMatchObject({ id: 'n1', claimedUntil: at + claimMs, claims: 2, status: 'pending' });
  });
});

describe.each(testDatabases)('delivery workers whose claims come back late ($name)', (database) => {
  it('renew a claim that came back too old to send inside and send each notification once', async () => {
    const db = await database.create();
    const store = await openStore(db.url);
    const hook = await startReceiver();
    const clock = new FakeClock(t0);
    try {
      for (let i = 0; i < 3; i++) await store.notifications.enqueue(announcement(`late${i}`, `late-${i}`));
      // The store answers each claim only after 15 s have passed on the clock: longer than the
      // send timeout leaves of the claim, so every claim is too old to send inside when it arrives.
      const repo = Object.create(store.notifications) as typeof store.notifications;
      repo.claim = async (...a) => {
        const rows = await store.notifications.claim(...a);
        if (rows.length) await clock.advance(15_000);
        return rows;
      };
      const workers = workersFor(clock, repo, hook.url, 2);
      workers.start();
      await hook.until(3);
      await workers.idle();
      await workers.stop(1000);
      expect(hook.accepted.map((r) => r.body.idempotencyKey).sort()).toEqual(['late-0', 'late-1', 'late-2']);
      for (let i = 0; i < 3; i++)
        expect(await store.notifications.get(`late${i}`)).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      await hook.close();
      await store.close();
      await db.drop();
    }
  });
});

describe.each(testDatabases)('delivery workers that stop with claims in hand ($name)', (database) => {
  it('return from stop() when a send ends after it, and give back a claim they never sent', async () => {
    const db = await database.create();
    const store = await openStore(db.url);
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let arrived!: () => void;
    const first = new Promise<void>((r) => {
      arrived = r;
    });
    // The receiver holds the first send until the test lets it go.
    const hook = await startReceiver(async () => {
      arrived();
      await held;
      return 200;
    });
    const clock = new FakeClock(t0);
    try {
      for (let i = 0; i < 2; i++)
        await store.notifications.enqueue(announcement(`stop${i}`, `stop-${i}`, t0 + i));
      const workers = workersFor(clock, store.notifications, hook.url, 1);
      workers.start();
      // one worker: stop0 is in flight, stop1 claimed behind it
      await first;
      const stopped = workers.stop(60_000);
      release();
      await stopped;
      expect(await store.notifications.get('stop0')).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(await store.notifications.get('stop1')).toMatchObject({
        status: 'pending',
        claims: 0,
        claimedUntil: null,
      });
    } finally {
      await hook.close();
      await store.close();
      await db.drop();
    }
  });
});

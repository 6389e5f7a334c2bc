import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';
import { testDatabases } from '../store/databases.js';

const t0 = Date.UTC(2026, 5, 1);
const claimMs = 20_000;

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
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { type Comms, tellSubscribers } from '../../src/status/communicate.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testDatabases } from '../store/databases.js';

const now = Date.UTC(2026, 10, 27, 3, 0);
const loaded = parseConfig(
  `notify:
  - name: mail
    email: { host: 127.0.0.1, port: 25, security: none, from: status@example.com, to: ops@example.com }
status_page:
  groups: [{ name: Public API, checks: [api] }]
  subscribers: { email: mail }
checks:
  - { name: api, tcp: { host: 127.0.0.1, port: 9 } }
`,
  'vigil.yaml',
  {},
);

/**
 * Unsubscribing deletes the address, and that includes what the outbox holds for it: a message
 * still waiting (its receiver down, a retry pending) is never sent after the click, and nothing
 * sent before keeps the address.
 */
describe.each(testDatabases)('unsubscribing on $name', (database) => {
  let db: Awaited<ReturnType<typeof database.create>>;
  let store: Store;
  beforeAll(async () => {
    db = await database.create();
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('takes the messages waiting for that address out of the outbox, and keeps the others', async () => {
    const c: Comms = {
      store,
      settings: () => ({ page: loaded.config.status_page, externalUrl: 'http://status.example' }),
      provider: () => 'email',
      now: () => now,
    };
    // "a_a@example.net": an underscore is LIKE's wildcard, so "aXa@…" must not go with it
    for (const [id, address] of [
      ['s1', 'a_a@example.net'],
      ['s2', 'axa@example.net'],
    ])
      await store.status.subscribe({
        id: id!,
        kind: 'email',
        address: address!,
        createdAt: 0,
        confirmed: true,
      });
    for (const key of ['status-update:1', 'status-update:2'])
      expect(
        await tellSubscribers(c, { key, kind: 'status.update', title: 'API outage', text: 'Down.' }),
      ).toBe(2);
    // the claims below end within a minute: what is pending then is claimed (and listed) again
    const pending = async () =>
      (await store.notifications.claim('t', now + 120_000, 100, 1))
        .flatMap((r) => r.payload.announcement?.to ?? [])
        .sort();
    // one of the mails to a_a was sent already, with an attempt on record
    const all = await store.notifications.claim('t', now, 100, 60_000);
    const sent = all.find((r) => r.payload.announcement?.to?.[0] === 'a_a@example.net')!;
    await store.notifications.attempted(
      sent.id,
      { at: now, durationMs: 5, result: 'ok', statusCode: 250, error: null },
      { status: 'delivered' },
      't',
    );

    expect(await store.status.remove({ id: 's1' })).toBe(1);
    expect(await pending()).toEqual(['axa@example.net', 'axa@example.net']);
    expect(await store.notifications.get(sent.id)).toBeUndefined();
    expect((await store.status.subscribers()).map((s) => s.address)).toEqual(['axa@example.net']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxAnnouncer } from '../../src/changes/outbox.js';
import { finishChange, planChange, startChange } from '../../src/changes/records.js';
import { dueReminders } from '../../src/changes/reminders.js';
import { startChanges } from '../../src/changes/service.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';

const M = 60_000;
const t0 = Date.parse('2026-11-30T12:00:00Z');

const { config } = parseConfig(
  `notify:
  - name: team
    slack: { url: "http://127.0.0.1:1/slack" }
  - name: oncall
    pagerduty: { routing_key: "0123456789abcdef0123456789abcdef" }
changes:
  timezone: Europe/Berlin
  announce: [team, oncall]
  remind: [1h, 15m]
  maintenance:
    - { name: nightly, title: Nightly database upkeep, cron: "0 3 * * *", duration: 30m, silence: ['check="db"'] }
`,
  'vigil.yaml',
  {},
);

describe('change announcements and reminders', () => {
  let store: Store;
  const clock = new FakeClock(t0);
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterAll(async () => {
    await store.close();
  });
  const keys = async () =>
    (await store.notifications.list({ limit: 1000 })).map((n) => `${n.channel} ${n.groupKey}`).sort();

  it('dueReminders: each lead time once its moment came, none after the start', () => {
    expect(dueReminders(t0 + 120 * M, [60 * M, 15 * M], t0)).toEqual([]);
    expect(dueReminders(t0 + 60 * M, [60 * M, 15 * M], t0)).toEqual([60 * M]);
    expect(dueReminders(t0 + 10 * M, [60 * M, 15 * M], t0)).toEqual([60 * M, 15 * M]);
    expect(dueReminders(t0, [60 * M], t0)).toEqual([]);
  });

  it('plan, reminders, start and finish each reach the channels once (alert-only channels skipped)', async () => {
    const deps = { store, config, announce: outboxAnnouncer(store, config, () => clock.now()) };
    const c = await planChange(
      deps,
      { title: 'orders v2', service: 'orders', version: 'v2.0.0', at: t0 + 120 * M, createdBy: 'alice' },
      clock.now(),
    );
    const [planned] = await store.notifications.list();
    expect(planned!.payload.title).toBe(`Planned change #${c.id}: orders v2`);
    expect(planned!.payload.body).toContain(
      'alice plans orders v2.0.0 at 2026-11-30T14:00:00Z (30 Nov 2026, 15:00 Europe/Berlin)',
    );
    expect(planned!.payload.body).toContain('no rollback plan');

    const service = startChanges({ clock, store, config: () => config, log: { info() {}, error() {} } });
    try {
      await clock.advance(59 * M);
      expect(await keys()).toEqual([`team change:${c.id}:planned`]);
      await clock.advance(2 * M); // 13:01: the 1h reminder
      await clock.advance(5 * M); // a later tick does not repeat it
      expect(await keys()).toEqual([`team change:${c.id}:planned`, `team change:${c.id}:reminder:3600000`]);
      await clock.advance(40 * M); // 13:46: the 15m reminder
      expect(await keys()).toContain(`team change:${c.id}:reminder:900000`);
      await startChange(deps, c.id, 'alice', clock.now());
      await finishChange(deps, c.id, 'ok', 'alice', clock.now() + 10 * M);
      await clock.advance(30 * M); // started: no more reminders
      expect(await keys()).toEqual(
        [
          `team change:${c.id}:planned`,
          `team change:${c.id}:reminder:3600000`,
          `team change:${c.id}:reminder:900000`,
          `team change:${c.id}:started`,
          `team change:${c.id}:finished:ok`,
        ].sort(),
      );
    } finally {
      await service.stop();
    }
  });

  it('the daemon tick silences the next maintenance once', async () => {
    const service = startChanges({ clock, store, config: () => config, log: { info() {}, error() {} } });
    try {
      await clock.advance(3 * M);
      const list = (await store.silences.list(clock.now())).filter(
        (s) => s.createdBy === 'vigil:maintenance',
      );
      expect(list).toHaveLength(new Set(list.map((s) => s.startsAt)).size);
      await clock.advance(3 * M);
      const again = (await store.silences.list(clock.now())).filter(
        (s) => s.createdBy === 'vigil:maintenance',
      );
      expect(again).toHaveLength(list.length);
      // 03:00 Berlin is 02:00Z in winter
      expect(list.map((s) => new Date(s.startsAt).toISOString())).toContain('2026-12-01T02:00:00.000Z');
      expect(list[0]!.comment).toBe('maintenance nightly: Nightly database upkeep');
    } finally {
      await service.stop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewChange } from '../../src/store/changes.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testDatabases } from '../store/databases.js';

const H = 3_600_000;
const t0 = Date.parse('2026-11-26T12:00:00Z');
const change = (title: string, service: string, plannedAt: number): NewChange => ({
  title,
  service,
  environment: 'production',
  version: 'v1',
  plannedAt,
  window: null,
  rollback: { target: 'v0', steps: ['true'], data: 'none', verify: ['true'], owner: 'ann', budgetMs: 60_000 },
  createdBy: 'ann',
  createdAt: t0,
});

describe.each(testDatabases)('change records on $name', (database) => {
  let store: Store;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await database.create();
    drop = db.drop;
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('moves through its states once each, with the times set and a timeline', async () => {
    const c = await store.changes.create(change('a', 'api', t0 + H));
    expect(c).toMatchObject({
      id: expect.any(Number),
      status: 'planned',
      startedAt: null,
      rollback: { budgetMs: 60_000 },
    });
    const ev = { kind: 'started', text: 'go', actor: 'ann' };
    expect(await store.changes.transition(c.id, ['planned'], 'in_progress', t0 + H, ev)).toBe(true);
    // a second start (another node, a retried CI job) changes nothing
    expect(await store.changes.transition(c.id, ['planned'], 'in_progress', t0 + 2 * H, ev)).toBe(false);
    expect(
      await store.changes.transition(c.id, ['in_progress'], 'ok', t0 + 2 * H, {
        kind: 'finished',
        text: 'ok',
        actor: null,
      }),
    ).toBe(true);
    expect(await store.changes.get(c.id)).toMatchObject({
      status: 'ok',
      startedAt: t0 + H,
      finishedAt: t0 + 2 * H,
    });
    expect((await store.changes.timeline(c.id)).map((e) => [e.kind, e.at])).toEqual([
      ['planned', t0],
      ['started', t0 + H],
      ['finished', t0 + 2 * H],
    ]);
  });

  it('lists deploy markers overlapping a range, by service and status', async () => {
    const b = await store.changes.create(change('b', 'web', t0 + 10 * H));
    const long = await store.changes.create(change('long', 'web', t0 + 20 * H));
    await store.changes.transition(long.id, ['planned'], 'in_progress', t0 + 20 * H, {
      kind: 'started',
      text: '',
      actor: null,
    });
    const ids = async (opts: Parameters<Store['changes']['list']>[0]) =>
      (await store.changes.list(opts)).map((c) => c.title);
    expect(await ids({ from: t0 + 9 * H, to: t0 + 11 * H })).toEqual(['b']);
    expect(await ids({ from: t0, to: t0 + 30 * H, service: 'web' })).toEqual(['long', 'b']);
    // started before the range and still running: shown across it
    expect(await ids({ from: t0 + 40 * H, to: t0 + 41 * H })).toEqual(['long']);
    expect(await ids({ status: ['planned'] })).toEqual([b.title]);
    expect(await store.changes.get(999_999)).toBeUndefined();
  });

  it('keeps overrides without a change record', async () => {
    await store.changes.event(null, {
      at: t0,
      kind: 'override',
      text: 'x',
      actor: 'root',
      data: { reasons: [] },
    });
    expect(await store.changes.overrides()).toEqual([
      { changeId: null, at: t0, kind: 'override', text: 'x', actor: 'root', data: { reasons: [] } },
    ]);
  });
});

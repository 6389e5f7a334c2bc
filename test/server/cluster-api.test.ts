import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

describe('GET /api/v1/cluster', () => {
  let store: Store;
  const clock = new FakeClock(Date.parse('2026-12-05T18:00:00Z'));
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterAll(() => store.close());

  it('shows the nodes on the store, alive or silent, with their lag; SQLite is one node', async () => {
    const node = {
      host: 'vigil-a',
      pid: 42,
      version: '0.1.0',
      url: 'http://10.0.0.1:8080',
      startedAt: clock.now(),
    };
    await store.cluster.heartbeat({ id: 'vigil-a-1', ...node }, clock.now() - 2000);
    await store.cluster.heartbeat({ id: 'vigil-b-1', ...node, host: 'vigil-b' }, clock.now() - 60_000);
    const app = testApp({ store, clock, config: parseConfig('checks: []\n', 'vigil.yaml', {}) });
    const res = await app.inject('/api/v1/cluster');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.mode).toBe('single');
    expect(body.leaseTtlMs).toBe(15_000);
    expect(
      body.nodes.map((n: { id: string; alive: boolean; lagMs: number }) => [n.id, n.alive, n.lagMs]),
    ).toEqual([
      ['vigil-a-1', true, 2000],
      ['vigil-b-1', false, 60_000],
    ]);
    expect(body.unowned).toEqual([]);
  });
});

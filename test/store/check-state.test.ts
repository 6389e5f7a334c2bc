import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logCheck } from '../../src/checks/log.js';
import { FakeClock } from '../../src/core/clock.js';
import { Monitor } from '../../src/services/monitor.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testDatabases } from './databases.js';

describe.each(testDatabases)('check state on $name', (database) => {
  let store: Store;
  let drop: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    const db = await database.create();
    drop = db.drop;
    url = db.url;
    store = await openStore(url);
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('keeps one JSON value per owner and key, replaced on set', async () => {
    expect(await store.state.get('check:a')).toBeUndefined();
    await store.state.set('check:a', '', { offset: 1 });
    await store.state.set('check:a', '', { offset: 2, files: ['x'] });
    await store.state.set('rotate', '/var/log/app.log', { last: 5 });
    expect(await store.state.get('check:a')).toEqual({ offset: 2, files: ['x'] });
    expect(await store.state.get('rotate', '/var/log/app.log')).toEqual({ last: 5 });
    await store.state.delete('check:a');
    expect(await store.state.get('check:a')).toBeUndefined();
  });

  it('a log check run by the monitor resumes from the store after a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-state-'));
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'ERROR one\n');
    const check = {
      name: 'app-log',
      kind: 'log' as const,
      spec: logCheck.schema.parse({ path: file, from: 'start' }),
      schedule: { type: 'every' as const, everyMs: 30_000 },
      timeoutMs: 10_000,
      labels: {},
    };
    const monitor = () =>
      new Monitor({
        clock: new FakeClock(0),
        heartbeats: { last: async () => undefined },
        state: store.state,
        record: () => {},
        concurrency: 1,
      });
    const errors = (r: Awaited<ReturnType<Monitor['runOne']>>) =>
      r.samples.find((s) => s.name === 'log_matches_total' && s.labels?.level === 'error')?.value;
    expect(errors(await monitor().runOne(check))).toBe(1);
    appendFileSync(file, 'ERROR two\n');
    await store.close();
    store = await openStore(url);
    expect(errors(await monitor().runOne(check))).toBe(2);
  });
});

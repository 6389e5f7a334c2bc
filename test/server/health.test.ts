import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import type { WriteFailure } from '../../src/services/write-buffer.js';
import { openStore } from '../../src/store/store.js';
import { testApp } from './test-app.js';

describe('/health', () => {
  it('is 503 degraded, with the reason, while results cannot be written', async () => {
    const store = await openStore('sqlite::memory:');
    let failing: WriteFailure | undefined;
    const app = testApp({
      store,
      clock: new FakeClock(0),
      config: parseConfig('{}', 'vigil.yaml', {}),
      writes: () => failing,
    });
    try {
      expect((await app.inject('/health')).statusCode).toBe(200);
      failing = {
        since: 0,
        error: 'SQLITE_FULL: database or disk is full',
        pending: 1200,
        pendingBytes: 5e6,
      };
      const res = await app.inject('/health');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        status: 'degraded',
        error: 'writing results fails since 1970-01-01T00:00:00.000Z: SQLITE_FULL: database or disk is full',
        pendingResults: 1200,
      });
      failing = undefined;
      expect((await app.inject('/health')).json()).toMatchObject({ status: 'ok' });
    } finally {
      await app.close();
      await store.close();
    }
  });
});

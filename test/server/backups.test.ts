import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const now = Date.UTC(2026, 10, 27, 12, 0, 0);
const yaml = `
backups:
  jobs:
    - name: orders-db
      postgres: { url: "postgres://app:\${DB_PASSWORD}@db/orders" }
      cron: "0 2 * * *"
      keep: { daily: 7 }
      verify: { cron: "0 5 1 * *", level: restore }
`;

describe('GET /api/v1/backups', () => {
  let store: Store;
  let app: ReturnType<typeof testApp>;
  beforeAll(async () => {
    const clock = new FakeClock(now);
    const loaded = parseConfig(yaml, 'vigil.yaml', { DB_PASSWORD: 's3cret-pw' });
    store = await openStore('sqlite::memory:');
    app = testApp({ store, clock, config: loaded });
    await store.backups.record({
      id: 'c0ffee01',
      job: 'orders-db',
      source: 'postgres',
      status: 'ok',
      startedAt: now - 3600_000,
      endedAt: now - 3500_000,
      size: 4096,
      sha256: 'ab'.repeat(32),
      location: '/var/backups/orders-db/x',
      manifest: { target: 'postgres://app:***@db/orders' },
      error: null,
    });
    await store.backups.addVerification({
      backupId: 'c0ffee01',
      job: 'orders-db',
      level: 'restore',
      at: now - 3000_000,
      durationMs: 1234,
      ok: true,
      message: 'restored; 1 assertions held',
      target: null,
    });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('lists jobs and backups with their last verification, and never the password', async () => {
    const res = await app.inject('/api/v1/backups');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('s3cret-pw');
    expect(res.json()).toEqual({
      jobs: [
        {
          name: 'orders-db',
          source: 'postgres',
          schedule: '0 2 * * *',
          keep: { daily: 7 },
          verify: [{ cron: '0 5 1 * *', level: 'restore' }],
        },
      ],
      backups: [
        expect.objectContaining({
          id: 'c0ffee01',
          size: 4096,
          durationMs: 100_000,
          lastVerification: expect.objectContaining({ level: 'restore', ok: true, durationMs: 1234 }),
        }),
      ],
    });
  });

  it('answers 404 for an unknown job', async () => {
    const res = await app.inject('/api/v1/backups?job=nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('BACKUP_JOB_NOT_FOUND');
  });
});

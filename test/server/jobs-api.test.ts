import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { JobRunner } from '../../src/scheduler/job-runner.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

describe('GET /api/v1/jobs', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterAll(() => store.close());

  it("lists the daemon's jobs with their next run, policy and last outcome", async () => {
    const clock = new FakeClock(Date.parse('2026-12-05T18:00:00Z'));
    const pool = { concurrency: 1 };
    const jobs = new JobRunner({ clock, pools: { checks: pool, rules: pool, tasks: pool } });
    jobs.set('t', [
      {
        id: 'backup:orders',
        kind: 'backup',
        pool: 'tasks',
        missed: 'run-once',
        schedule: { type: 'cron', expr: '0 2 * * *', timezone: 'Europe/Berlin' },
        run: async () => ({ ok: false, message: 'pg_dump: connection refused' }),
      },
    ]);
    jobs.start();
    await clock.advance(8 * 3_600_000);
    const app = testApp({ store, clock, config: parseConfig('checks: []\n', 'vigil.yaml', {}), jobs });
    const res = await app.inject('/api/v1/jobs');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      jobs: [
        {
          id: 'backup:orders',
          kind: 'backup',
          schedule: '0 2 * * *',
          timezone: 'Europe/Berlin',
          if_missed: 'run-once',
          next_run_at: '2026-12-07T01:00:00.000Z',
          running: false,
          last_run: {
            due_at: '2026-12-06T01:00:00.000Z',
            started_at: '2026-12-06T01:00:00.000Z',
            ended_at: '2026-12-06T01:00:00.000Z',
            duration_ms: 0,
            outcome: 'failed',
            message: 'pg_dump: connection refused',
          },
        },
      ],
    });
    await jobs.stop(0);
  });
});

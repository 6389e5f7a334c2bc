import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { startDaemon } from '../../src/daemon.js';
import { openStore } from '../../src/store/store.js';

describe('vigil up runs routines and maintenance tasks on their schedules', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-routines-daemon-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the routine and the task at their cron times and shows them on /metrics', async () => {
    const db = `sqlite:${path.join(dir, 'vigil.db')}`;
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: ${db}
maintenance:
  - name: cleanup
    command: "echo cleaned"
    cron: "0 4 * * *"
routines:
  - name: daily
    cron: "0 8 * * *"
    steps:
      - maintenance: {}
      - name: look
        manual: "Look at the dashboards"
`,
    );
    const clock = new FakeClock(Date.UTC(2026, 10, 27, 3, 59));
    const daemon = await startDaemon({
      configPath: config,
      logger: pino({ level: 'silent' }),
      clock,
      listen: '127.0.0.1:0',
      env: {},
    });
    const store = await openStore(db);
    try {
      await clock.advance(60_000);
      const until = async (ok: () => Promise<boolean>) => {
        for (let i = 0; i < 200 && !(await ok()); i++) await new Promise((r) => setImmediate(r));
      };
      await until(async () => (await store.routines.maintenanceRuns({ task: 'cleanup' })).length > 0);
      expect(await store.routines.maintenanceRuns({ task: 'cleanup' })).toEqual([
        expect.objectContaining({
          task: 'cleanup',
          status: 'ok',
          message: 'cleaned',
          startedAt: Date.UTC(2026, 10, 27, 4),
        }),
      ]);
      await clock.advance(4 * 3_600_000);
      await until(async () => (await store.routines.listRuns()).length > 0);
      const [run] = await store.routines.listRuns();
      expect(run).toMatchObject({ id: 'daily@2026-11-27T08:00:00Z', status: 'open' });
      const steps = (await store.routines.getRun(run!.id))!.steps;
      // the built-in store task was not due since this daemon began: not a miss
      expect(steps[0]!.section).toMatchObject({ status: 'ok' });
      expect(JSON.stringify(steps[0]!.section)).toContain('cleanup: ok');
      expect(JSON.stringify(steps[0]!.section)).toMatch(/vigil-store: not due yet \(next /);

      const metrics = (await daemon.app.inject('/metrics')).body;
      expect(metrics).toContain(
        `maintenance_last_success_timestamp_seconds{task="cleanup"} ${Date.UTC(2026, 10, 27, 4) / 1000}`,
      );
      expect(metrics).toContain('routine_steps_awaiting_signoff{routine="daily"} 1');
      expect(metrics).toContain(
        `routine_last_run_timestamp_seconds{routine="daily"} ${Date.UTC(2026, 10, 27, 8) / 1000}`,
      );
    } finally {
      await store.close();
      await daemon.stop();
    }
  });
});

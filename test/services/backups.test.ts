import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRepository } from '../../src/backup/local-repository.js';
import { BackupService } from '../../src/backup/service.js';
import type { Sample } from '../../src/checks/types.js';
import { backupsSchema } from '../../src/config/backups.js';
import { FakeClock } from '../../src/core/clock.js';
import { BackupScheduler } from '../../src/services/backups.js';
import { openStore, type Store } from '../../src/store/store.js';

describe('BackupScheduler', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-backup-sched-'));
    const db = new Database(path.join(dir, 'app.db'));
    db.exec('create table t (x); insert into t values (1);');
    db.close();
    store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the daily backup, the weekly read and keeps the gauges alert rules read', async () => {
    const clock = new FakeClock(Date.parse('2026-01-03T01:59:00Z')); // a Saturday
    const { jobs } = backupsSchema.parse({
      jobs: [
        {
          name: 'app',
          sqlite: { path: path.join(dir, 'app.db') },
          cron: '0 2 * * *',
          keep: { last: 7 },
          verify: [{ cron: '0 4 * * 0', level: 'read' }],
        },
      ],
    });
    const recorded: (Sample & { ts: number })[] = [];
    const service = new BackupService(
      {
        repository: localRepository(path.join(dir, 'repo')),
        catalogue: store.backups,
        clock,
        version: 't',
        timezone: 'UTC',
      },
      jobs,
    );
    const log = { info: () => {}, error: () => {} };
    const scheduler = new BackupScheduler({
      service,
      catalogue: store.backups,
      clock,
      timezone: 'UTC',
      log,
      recordSamples: (s) => recorded.push(...s),
    });
    scheduler.start(jobs);
    await clock.advance(60_000);
    await scheduler.idle();
    expect(await store.backups.list({ job: 'app' })).toHaveLength(1);

    // Sunday 02:00 the daily backup, 04:00 the weekly read of the newest backup
    await clock.advance(24 * 3600_000);
    await scheduler.idle();
    await clock.advance(2 * 3600_000);
    await scheduler.idle();
    const [v] = await store.backups.verifications({ job: 'app' });
    expect(v).toMatchObject({ level: 'read', ok: true, message: 'integrity_check: ok' });
    expect(await store.backups.list({ job: 'app' })).toHaveLength(2);

    await scheduler.refreshGauges();
    const names = scheduler.gauges.map((g) => `${g.name}${JSON.stringify(g.labels)}`).sort();
    expect(names).toEqual([
      'backup_duration_seconds{"job":"app"}',
      'backup_last_success_timestamp_seconds{"job":"app"}',
      'backup_size_bytes{"job":"app"}',
      'backup_verify_last_success_timestamp_seconds{"job":"app","level":"read"}',
    ]);
    const last = scheduler.gauges.find((g) => g.name === 'backup_last_success_timestamp_seconds')!;
    expect(last.value * 1000).toBe(Date.parse('2026-01-04T02:00:00Z'));
    // re-recorded every minute, so a rule's 5m lookback always finds them
    expect(recorded.filter((s) => s.name === 'backup_size_bytes').length).toBeGreaterThan(10);
    await scheduler.stop();
  });
});

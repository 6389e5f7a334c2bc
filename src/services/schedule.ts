import path from 'node:path';
import { backupServiceFor } from '../backup/open.js';
import { FakeClock } from '../core/clock.js';
import { JobRunner, type JobStatus } from '../scheduler/job-runner.js';
import type { Store } from '../store/store.js';
import { BackupScheduler } from './backups.js';
import { housekeepingJobs } from './housekeeping.js';
import { MaintenanceScheduler } from './maintenance.js';
import { Monitor } from './monitor.js';
import { RoutineScheduler } from './routines.js';
import { RuleService } from './rules.js';
import type { Setup } from './setup.js';

const quiet = { info() {}, error() {} };

/**
 * The schedule a daemon on this config would keep, read without one: every job the services
 * register, with its next slot after `now` (or the missed slot it would run at start) and its
 * last run from the store. The services are built as the daemon builds them and only asked to
 * register their jobs, on a clock that never moves, so nothing runs.
 */
export async function plannedJobs(setup: Setup, store: Store, now: number): Promise<JobStatus[]> {
  const { loaded, groups } = setup;
  const config = loaded.config;
  const clock = new FakeClock(now);
  const runner = new JobRunner({
    clock,
    pools: { checks: { concurrency: 1 }, rules: { concurrency: 1 }, tasks: { concurrency: 1 } },
    history: { load: () => store.jobs.load(), seen: async () => {}, finished: async () => {} },
  });
  await runner.open();
  const noSamples = () => {};
  new Monitor({ runner, clock, heartbeats: store.heartbeats, record: noSamples, concurrency: 1 }).reload(
    config.checks,
  );
  new RuleService({
    runner,
    clock,
    queryable: store.queryable,
    record: noSamples,
    onTransitions: noSamples,
  }).reload(groups);
  new BackupScheduler({
    runner,
    service: backupServiceFor(loaded, store, clock, noSamples),
    catalogue: store.backups,
    clock,
    timezone: config.backups.timezone,
    log: quiet,
    recordSamples: noSamples,
  }).reload(config.backups.jobs);
  new MaintenanceScheduler({
    runner,
    store,
    clock,
    baseDir: path.dirname(path.resolve(loaded.file)),
    retention: config.retention,
    log: quiet,
    recordSamples: noSamples,
  }).reload(config.maintenance);
  new RoutineScheduler({
    runner,
    store,
    clock,
    config: () => loaded,
    announce: async () => {},
    log: quiet,
  }).reload(config.routines);
  runner.set('housekeeping', housekeepingJobs({ clock, store, config: () => config, log: quiet }));
  runner.start();
  const jobs = runner.list();
  await runner.stop(0);
  // A check's results are its history: its last run is the newest result in the store.
  const checks = new Map((await store.checks.all()).map((c) => [c.name, c.last]));
  return jobs.map((j) => {
    const last = j.kind === 'check' ? checks.get(j.id.slice('check:'.length)) : undefined;
    if (!last || j.last) return j;
    return {
      ...j,
      last: {
        dueAt: last.at,
        startedAt: last.at,
        endedAt: last.at + last.durationMs,
        ok: last.status !== 'critical' || last.up,
        message: last.message,
      },
    };
  });
}

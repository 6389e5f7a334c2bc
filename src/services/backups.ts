import type { BackupService } from '../backup/service.js';
import type { Sample } from '../checks/types.js';
import type { BackupJob } from '../config/backups.js';
import type { Clock } from '../core/clock.js';
import { describe } from '../errors.js';
import { HOUSEKEEPING, type JobOutcome, JobRunner, type ScheduledJob } from '../scheduler/job-runner.js';
import type { BackupsRepo } from '../store/backups.js';

export interface BackupSchedulerDeps {
  service: BackupService;
  catalogue: BackupsRepo;
  clock: Clock;
  timezone: string;
  log: { info(o: object, m: string): void; error(o: object, m: string): void };
  /** gauges re-recorded every minute so alert rules always see them (PromQL looks back 5m) */
  recordSamples(samples: (Sample & { ts: number })[]): void;
  /** the daemon's one job runner; a runner of its own when absent (tests) */
  runner?: JobRunner;
}

const gaugeEveryMs = 60_000;

/**
 * Registers each job's backup and verification schedules with the job runner.
 * A slot missed while Vigil was down runs once at start: a nightly backup or a
 * monthly restore test must not wait a day or a month because of a reboot.
 * The backup and the verifications of one job run one after another, never at
 * once; pruning follows each successful backup.
 */
export class BackupScheduler {
  #deps: BackupSchedulerDeps;
  readonly #runner: JobRunner;
  readonly #ownRunner: boolean;
  /** per backup job: the tail of its chain of tasks */
  #chain = new Map<string, Promise<unknown>>();
  #abort = new AbortController();
  /** the latest gauge values, for /metrics */
  gauges: Sample[] = [];
  #refreshedAt = Number.NEGATIVE_INFINITY;

  constructor(deps: BackupSchedulerDeps) {
    this.#deps = deps;
    this.#ownRunner = !deps.runner;
    this.#runner = deps.runner ?? JobRunner.standalone(deps.clock, 4);
  }

  start(jobs: readonly BackupJob[]): void {
    this.reload(jobs);
    void this.refreshGauges();
    if (this.#ownRunner) this.#runner.start();
  }

  reload(jobs: readonly BackupJob[]): void {
    this.#runner.set('backups', this.#jobs(jobs));
  }

  /** resolves when no backup task is running */
  async idle(): Promise<void> {
    while (this.#chain.size) await Promise.allSettled(this.#chain.values());
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#ownRunner) await this.#runner.stop(0);
    else this.#runner.set('backups', []);
    await this.idle();
  }

  #jobs(jobs: readonly BackupJob[]): ScheduledJob[] {
    const { timezone } = this.#deps;
    const out: ScheduledJob[] = [];
    const cron = (expr: string) => ({ type: 'cron' as const, expr, timezone });
    for (const job of jobs) {
      if (job.cron)
        out.push({
          id: `backup:${job.name}`,
          phaseKey: job.name,
          kind: 'backup',
          pool: 'tasks',
          missed: 'run-once',
          schedule: cron(job.cron),
          run: () => this.#serial(job.name, () => this.#backup(job)),
        });
      const levels = new Map<string, number>();
      for (const v of job.verify) {
        const n = (levels.get(v.level) ?? 0) + 1;
        levels.set(v.level, n);
        out.push({
          id: `verify:${job.name}:${v.level}${n > 1 ? `#${n}` : ''}`,
          phaseKey: job.name,
          kind: 'verify',
          pool: 'tasks',
          missed: 'run-once',
          schedule: cron(v.cron),
          run: () => this.#serial(job.name, () => this.#verify(job, v)),
        });
      }
    }
    out.push({
      id: 'gauges:backups',
      phaseKey: HOUSEKEEPING,
      kind: 'gauges',
      pool: 'tasks',
      missed: 'skip',
      schedule: { type: 'every', everyMs: gaugeEveryMs },
      // Each run of ours refreshes the gauges; in between, the minute's job re-records them so
      // alert rules see them within their lookback, and reads the store every five minutes for
      // runs another process (the CLI) made.
      run: async () => {
        if (this.#deps.clock.now() - this.#refreshedAt >= 5 * 60_000) await this.refreshGauges();
        else this.#recordGauges();
        return { ok: true };
      },
    });
    return out;
  }

  /** Run `fn` after the tasks of the same backup job already going. */
  #serial(job: string, fn: () => Promise<JobOutcome>): Promise<JobOutcome> {
    const prev = this.#chain.get(job) ?? Promise.resolve();
    const p = prev
      .then(() => fn())
      .catch((e): JobOutcome => {
        this.#deps.log.error({ job, err: describe(e) }, 'backup task failed');
        return { ok: false, message: describe(e) };
      })
      .finally(() => {
        if (this.#chain.get(job) === p) this.#chain.delete(job);
        void this.refreshGauges();
      });
    this.#chain.set(job, p);
    return p;
  }

  async #backup(job: BackupJob): Promise<JobOutcome> {
    const b = await this.#deps.service.run(job.name, { signal: this.#abort.signal });
    this.#deps.log.info(
      { job: job.name, id: b.id, size: b.size, ms: b.endedAt - b.startedAt },
      'backup done',
    );
    if (job.keep) {
      const pruned = (await this.#deps.service.prune(job.name)).filter((d) => !d.keep);
      if (pruned.length)
        this.#deps.log.info({ job: job.name, pruned: pruned.map((d) => d.id) }, 'backups pruned');
    }
    return { ok: true, message: `backup ${b.id}` };
  }

  async #verify(job: BackupJob, v: BackupJob['verify'][number]): Promise<JobOutcome> {
    const [newest] = await this.#deps.catalogue.list({ job: job.name, limit: 1 });
    if (!newest) {
      this.#deps.log.error({ job: job.name, check: v.level }, 'nothing to verify: the job has no backup');
      return { ok: false, message: 'nothing to verify: the job has no backup yet' };
    }
    const r = await this.#deps.service.verify(newest.id, v.level, v);
    (r.ok ? this.#deps.log.info : this.#deps.log.error).call(
      this.#deps.log,
      { job: job.name, id: newest.id, check: v.level, ok: r.ok, message: r.message },
      'backup verified',
    );
    return { ok: r.ok, message: `${v.level} check of ${newest.id}: ${r.message}` };
  }

  /** The backup gauges from the catalogue, recorded as samples and kept for /metrics. */
  #recordGauges(): void {
    const ts = this.#deps.clock.now();
    if (this.gauges.length) this.#deps.recordSamples(this.gauges.map((s) => ({ ...s, ts })));
  }

  async refreshGauges(): Promise<void> {
    this.#refreshedAt = this.#deps.clock.now();
    try {
      this.gauges = await backupGauges(this.#deps.catalogue, this.#deps.service.jobs);
      this.#recordGauges();
    } catch (e) {
      this.#deps.log.error({ err: describe(e) }, 'reading the backup catalogue failed');
    }
  }
}

/**
 * backup_last_success_timestamp_seconds{job}, backup_size_bytes{job},
 * backup_duration_seconds{job}, backup_verify_last_success_timestamp_seconds{job,level}
 * and the matching _last_failure_ gauges, from what the catalogue says.
 */
export async function backupGauges(catalogue: BackupsRepo, jobs: readonly BackupJob[]): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const job of jobs) {
    const labels = { job: job.name };
    const [last] = await catalogue.list({ job: job.name, limit: 1 });
    if (last) {
      out.push(
        { name: 'backup_last_success_timestamp_seconds', labels, value: last.endedAt / 1000 },
        { name: 'backup_size_bytes', labels, value: last.size ?? 0 },
        { name: 'backup_duration_seconds', labels, value: (last.endedAt - last.startedAt) / 1000 },
      );
    }
    const [failed] = await catalogue.list({ job: job.name, status: ['failed'], limit: 1 });
    if (failed)
      out.push({ name: 'backup_last_failure_timestamp_seconds', labels, value: failed.endedAt / 1000 });
    const seen = new Set<string>();
    for (const v of await catalogue.verifications({ job: job.name, limit: 1000 })) {
      const key = `${v.ok}\u0000${v.level}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        name: v.ok
          ? 'backup_verify_last_success_timestamp_seconds'
          : 'backup_verify_last_failure_timestamp_seconds',
        labels: { job: job.name, level: v.level },
        value: v.at / 1000,
      });
    }
  }
  return out;
}

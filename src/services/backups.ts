import type { BackupService } from '../backup/service.js';
import type { Sample } from '../checks/types.js';
import type { BackupJob } from '../config/backups.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { nextDue } from '../core/schedule.js';
import { describe } from '../errors.js';
import type { BackupsRepo } from '../store/backups.js';

export interface BackupSchedulerDeps {
  service: BackupService;
  catalogue: BackupsRepo;
  clock: Clock;
  timezone: string;
  log: { info(o: object, m: string): void; error(o: object, m: string): void };
  /** gauges re-recorded every minute so alert rules always see them (PromQL looks back 5m) */
  recordSamples(samples: (Sample & { ts: number })[]): void;
}

const gaugeEveryMs = 60_000;

/**
 * Runs each job's backup and verification schedules in the daemon. A job runs
 * one thing at a time: a run due while the previous is still going is skipped
 * and logged. Pruning follows each successful backup.
 */
export class BackupScheduler {
  #deps: BackupSchedulerDeps;
  #timers: TimerHandle[] = [];
  #busy = new Map<string, Promise<void>>();
  #abort = new AbortController();
  /** the latest gauge values, for /metrics */
  gauges: Sample[] = [];

  constructor(deps: BackupSchedulerDeps) {
    this.#deps = deps;
  }

  start(jobs: readonly BackupJob[]): void {
    this.#schedule(jobs);
    const tick = () => {
      this.#timers.push(this.#deps.clock.setTimer(gaugeEveryMs, tick));
      void this.refreshGauges();
    };
    void this.refreshGauges();
    this.#timers.push(this.#deps.clock.setTimer(gaugeEveryMs, tick));
  }

  reload(jobs: readonly BackupJob[]): void {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    this.start(jobs);
  }

  /** resolves when no backup task is running */
  async idle(): Promise<void> {
    while (this.#busy.size) await Promise.allSettled(this.#busy.values());
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    this.#abort.abort();
    await Promise.allSettled(this.#busy.values());
  }

  #schedule(jobs: readonly BackupJob[]): void {
    const { clock, timezone } = this.#deps;
    const every = (job: string, expr: string, what: string, fn: () => Promise<void>) => {
      const arm = () => {
        const now = clock.now();
        const due = nextDue({ type: 'cron', expr, timezone }, job, now);
        if (!Number.isFinite(due)) return;
        this.#timers.push(
          clock.setTimer(due - now, () => {
            arm();
            this.#exclusive(job, what, fn);
          }),
        );
      };
      arm();
    };
    for (const job of jobs) {
      if (job.cron) every(job.name, job.cron, 'backup', () => this.#backup(job));
      for (const v of job.verify) every(job.name, v.cron, `verify ${v.level}`, () => this.#verify(job, v));
    }
  }

  #exclusive(job: string, what: string, fn: () => Promise<void>): void {
    if (this.#busy.has(job)) {
      this.#deps.log.error({ job, what }, 'skipped: the previous backup task of this job is still running');
      return;
    }
    const p = fn()
      .catch((e) => this.#deps.log.error({ job, what, err: describe(e) }, 'backup task failed'))
      .finally(() => {
        this.#busy.delete(job);
        void this.refreshGauges();
      });
    this.#busy.set(job, p);
  }

  async #backup(job: BackupJob): Promise<void> {
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
  }

  async #verify(job: BackupJob, v: BackupJob['verify'][number]): Promise<void> {
    const [newest] = await this.#deps.catalogue.list({ job: job.name, limit: 1 });
    if (!newest) {
      this.#deps.log.error({ job: job.name, level: v.level }, 'nothing to verify: the job has no backup');
      return;
    }
    const r = await this.#deps.service.verify(newest.id, v.level, v);
    (r.ok ? this.#deps.log.info : this.#deps.log.error).call(
      this.#deps.log,
      { job: job.name, id: newest.id, level: v.level, ok: r.ok, message: r.message },
      'backup verified',
    );
  }

  /** The backup gauges from the catalogue, recorded as samples and kept for /metrics. */
  async refreshGauges(): Promise<void> {
    try {
      this.gauges = await backupGauges(this.#deps.catalogue, this.#deps.service.jobs);
      const ts = this.#deps.clock.now();
      if (this.gauges.length) this.#deps.recordSamples(this.gauges.map((s) => ({ ...s, ts })));
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

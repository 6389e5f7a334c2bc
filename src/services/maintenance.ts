import type { Sample } from '../checks/types.js';
import type { MaintenanceTask } from '../config/maintenance.js';
import { describe } from '../errors.js';
import { runTask, type TaskDeps } from '../maintenance/runner.js';
import { HOUSEKEEPING, type JobOutcome, JobRunner, type ScheduledJob } from '../scheduler/job-runner.js';
import type { RoutinesRepo } from '../store/routines.js';

export interface MaintenanceSchedulerDeps extends Omit<TaskDeps, 'signal'> {
  log: { info(o: object, m: string): void; error(o: object, m: string): void };
  recordSamples(samples: (Sample & { ts: number })[]): void;
  /** the daemon's one job runner; a runner of its own when absent (tests) */
  runner?: JobRunner;
}

/**
 * Registers each maintenance task with the job runner; a task due while its
 * previous run is still going is skipped (the runner's overlap policy). A slot
 * missed while Vigil was down is skipped too: tasks are placed in quiet hours
 * on purpose, and a VACUUM or REINDEX at start-up could land in the busiest
 * one; `maintenance_last_success_timestamp_seconds` alerts on a task that
 * keeps missing. After each run the gauges are refreshed.
 */
export class MaintenanceScheduler {
  #deps: MaintenanceSchedulerDeps;
  readonly #runner: JobRunner;
  readonly #ownRunner: boolean;
  #running = new Set<Promise<void>>();
  #abort = new AbortController();
  #tasks: readonly MaintenanceTask[] = [];
  gauges: Sample[] = [];
  #refreshedAt = Number.NEGATIVE_INFINITY;

  constructor(deps: MaintenanceSchedulerDeps) {
    this.#deps = deps;
    this.#ownRunner = !deps.runner;
    this.#runner = deps.runner ?? JobRunner.standalone(deps.clock, 4);
  }

  start(tasks: readonly MaintenanceTask[]): void {
    this.reload(tasks);
    void this.refreshGauges();
    if (this.#ownRunner) this.#runner.start();
  }

  reload(tasks: readonly MaintenanceTask[]): void {
    this.#tasks = tasks;
    const jobs: ScheduledJob[] = tasks.map((task) => ({
      id: `maintenance:${task.name}`,
      phaseKey: task.name,
      kind: 'maintenance',
      pool: 'tasks',
      missed: 'skip',
      schedule: { type: 'cron', expr: task.cron, timezone: task.timezone },
      run: () => this.#run(task),
    }));
    jobs.push({
      id: 'gauges:maintenance',
      phaseKey: HOUSEKEEPING,
      kind: 'gauges',
      pool: 'tasks',
      missed: 'skip',
      schedule: { type: 'every', everyMs: 60_000 },
      // Each run of ours refreshes the gauges; in between, the minute's job re-records them so
      // alert rules see them within their lookback, and reads the store every five minutes for
      // runs another process (the CLI) made.
      run: async () => {
        if (this.#deps.clock.now() - this.#refreshedAt >= 5 * 60_000) await this.refreshGauges();
        else this.#recordGauges();
        return { ok: true };
      },
    });
    this.#runner.set('maintenance', jobs);
  }

  async #run(task: MaintenanceTask): Promise<JobOutcome> {
    const p = runTask(task, { ...this.#deps, signal: this.#abort.signal }).then((r): JobOutcome => {
      (r.status === 'ok' ? this.#deps.log.info : this.#deps.log.error).call(
        this.#deps.log,
        { task: r.task, status: r.status, ms: r.durationMs, message: r.message },
        'maintenance task done',
      );
      return { ok: r.status === 'ok', message: r.message };
    });
    const tracked = p.then(
      () => {},
      () => {},
    );
    this.#running.add(tracked);
    try {
      return await p;
    } catch (e) {
      this.#deps.log.error({ task: task.name, err: describe(e) }, 'recording a maintenance run failed');
      return { ok: false, message: describe(e) };
    } finally {
      this.#running.delete(tracked);
      void this.refreshGauges();
    }
  }

  async idle(): Promise<void> {
    while (this.#running.size) await Promise.allSettled(this.#running);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#ownRunner) await this.#runner.stop(0);
    else this.#runner.set('maintenance', []);
    await this.idle();
  }

  #recordGauges(): void {
    const ts = this.#deps.clock.now();
    if (this.gauges.length) this.#deps.recordSamples(this.gauges.map((s) => ({ ...s, ts })));
  }

  async refreshGauges(): Promise<void> {
    this.#refreshedAt = this.#deps.clock.now();
    try {
      this.gauges = await maintenanceGauges(this.#deps.store.routines, this.#tasks);
      this.#recordGauges();
    } catch (e) {
      this.#deps.log.error({ err: describe(e) }, 'reading maintenance runs failed');
    }
  }
}

/**
 * maintenance_last_success_timestamp_seconds{task}, _last_failure_timestamp_seconds{task}
 * and maintenance_duration_seconds{task} of the newest run, from the store, so an alert
 * such as `time() - maintenance_last_success_timestamp_seconds > 8 * 86400` works.
 */
export async function maintenanceGauges(
  repo: RoutinesRepo,
  tasks: readonly MaintenanceTask[],
): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const t of tasks) {
    const labels = { task: t.name };
    const runs = await repo.maintenanceRuns({ task: t.name, limit: 200 });
    const ok = runs.find((r) => r.status === 'ok');
    const bad = runs.find((r) => r.status !== 'ok');
    if (ok)
      out.push({
        name: 'maintenance_last_success_timestamp_seconds',
        labels,
        value: (ok.startedAt + ok.durationMs) / 1000,
      });
    if (bad)
      out.push({
        name: 'maintenance_last_failure_timestamp_seconds',
        labels,
        value: (bad.startedAt + bad.durationMs) / 1000,
      });
    if (runs[0]) out.push({ name: 'maintenance_duration_seconds', labels, value: runs[0].durationMs / 1000 });
  }
  return out;
}

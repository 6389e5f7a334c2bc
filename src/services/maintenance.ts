import type { Sample } from '../checks/types.js';
import type { MaintenanceTask } from '../config/maintenance.js';
import type { TimerHandle } from '../core/clock.js';
import { nextDue } from '../core/schedule.js';
import { describe } from '../errors.js';
import { runTask, type TaskDeps } from '../maintenance/runner.js';
import type { RoutinesRepo } from '../store/routines.js';

export interface MaintenanceSchedulerDeps extends Omit<TaskDeps, 'signal'> {
  log: { info(o: object, m: string): void; error(o: object, m: string): void };
  recordSamples(samples: (Sample & { ts: number })[]): void;
}

/**
 * Runs each maintenance task on its cron; a task due while its previous run
 * is still going is skipped and logged. After each run the gauges
 * (maintenance_last_success_timestamp_seconds{task}, …) are refreshed.
 */
export class MaintenanceScheduler {
  #deps: MaintenanceSchedulerDeps;
  #timers: TimerHandle[] = [];
  #busy = new Map<string, Promise<void>>();
  #abort = new AbortController();
  #tasks: readonly MaintenanceTask[] = [];
  gauges: Sample[] = [];

  constructor(deps: MaintenanceSchedulerDeps) {
    this.#deps = deps;
  }

  start(tasks: readonly MaintenanceTask[]): void {
    this.#tasks = tasks;
    const { clock } = this.#deps;
    for (const task of tasks) {
      const arm = () => {
        const now = clock.now();
        const due = nextDue({ type: 'cron', expr: task.cron, timezone: task.timezone }, task.name, now);
        if (!Number.isFinite(due)) return;
        this.#timers.push(
          clock.setTimer(due - now, () => {
            arm();
            this.runNow(task);
          }),
        );
      };
      arm();
    }
    const tick = () => {
      this.#timers.push(clock.setTimer(60_000, tick));
      void this.refreshGauges();
    };
    void this.refreshGauges();
    this.#timers.push(clock.setTimer(60_000, tick));
  }

  reload(tasks: readonly MaintenanceTask[]): void {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    this.start(tasks);
  }

  /** start a task now unless it is running; resolves when it ends */
  runNow(task: MaintenanceTask): Promise<void> {
    const running = this.#busy.get(task.name);
    if (running) {
      this.#deps.log.error(
        { task: task.name },
        'skipped: the previous run of this maintenance task is still going',
      );
      return running;
    }
    const p = runTask(task, { ...this.#deps, signal: this.#abort.signal })
      .then((r) =>
        (r.status === 'ok' ? this.#deps.log.info : this.#deps.log.error).call(
          this.#deps.log,
          { task: r.task, status: r.status, ms: r.durationMs, message: r.message },
          'maintenance task done',
        ),
      )
      .catch((e) =>
        this.#deps.log.error({ task: task.name, err: describe(e) }, 'recording a maintenance run failed'),
      )
      .finally(() => {
        this.#busy.delete(task.name);
        void this.refreshGauges();
      });
    this.#busy.set(task.name, p);
    return p;
  }

  async idle(): Promise<void> {
    while (this.#busy.size) await Promise.allSettled(this.#busy.values());
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    this.#abort.abort();
    await Promise.allSettled(this.#busy.values());
  }

  async refreshGauges(): Promise<void> {
    try {
      this.gauges = await maintenanceGauges(this.#deps.store.routines, this.#tasks);
      const ts = this.#deps.clock.now();
      if (this.gauges.length) this.#deps.recordSamples(this.gauges.map((s) => ({ ...s, ts })));
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

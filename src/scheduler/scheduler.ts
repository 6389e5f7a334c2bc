import type { Clock } from '../core/clock.js';
import type { Job, SchedulerDriver } from './types.js';

export interface RunInfo {
  job: Job;
  dueAt: number;
  startedAt: number;
  signal: AbortSignal;
}

export interface SchedulerStats {
  started: number;
  /** a run was due while the previous run of the same job was still going */
  skippedOverlap: number;
  running: number;
  queued: number;
}

export interface SchedulerOptions {
  clock: Clock;
  /** absent when a JobRunner's one driver dispatches into this executor */
  driver?: SchedulerDriver;
  /** runs in flight at once */
  concurrency: number;
  /** a run slower than this marks its job slow; slow jobs share at most half the slots */
  slowAfterMs?: number;
  run(info: RunInfo): Promise<void>;
  /** lateness of every start against its due time, for /metrics and benchmarks */
  onStart?(info: RunInfo): void;
}

interface Queued {
  job: Job;
  dueAt: number;
}

/**
 * Runs what the driver says is due: never two runs of one job at once (the
 * overlap policy: a run due while the last is going is skipped and counted),
 * at most `concurrency` runs in all, and slow jobs capped at half of the slots
 * so they cannot starve fast ones.
 */
export class Scheduler {
  readonly stats: SchedulerStats = { started: 0, skippedOverlap: 0, running: 0, queued: 0 };
  #busy = new Set<string>();
  #slow = new Set<string>();
  #slowRunning = 0;
  #fast: Queued[] = [];
  #slowQueue: Queued[] = [];
  #inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #stopping = false;
  readonly #slowLimit: number;

  constructor(private readonly opts: SchedulerOptions) {
    this.#slowLimit = Math.max(1, Math.floor(opts.concurrency / 2));
  }

  start(jobs: readonly Job[]): void {
    this.opts.driver?.start(jobs, (job, dueAt) => this.dispatch(job, dueAt));
  }

  update(jobs: readonly Job[]): void {
    this.opts.driver?.update(jobs);
  }

  /** resolves when no run is queued or going */
  async idle(): Promise<void> {
    while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight.values()].map((r) => r.done));
  }

  /** whether a run of this job is queued or going */
  busy(id: string): boolean {
    return this.#busy.has(id);
  }

  /**
   * Stop scheduling, let runs in flight finish until the deadline, then abort
   * them and wait for them to settle (every run honours its abort signal).
   */
  async stop(deadlineMs: number): Promise<void> {
    this.#stopping = true;
    this.opts.driver?.stop();
    this.#fast = [];
    this.#slowQueue = [];
    const all = () => Promise.allSettled([...this.#inFlight.values()].map((r) => r.done));
    let timedOut = false;
    const timer = this.opts.clock.setTimer(deadlineMs, () => {
      timedOut = true;
      for (const r of this.#inFlight.values()) r.controller.abort(new Error('Vigil is shutting down'));
    });
    await all();
    timer.cancel();
    if (timedOut) await all();
  }

  /** a run of `job` for the slot `dueAt`, unless one is already queued or going */
  dispatch(job: Job, dueAt: number): void {
    if (this.#stopping) return;
    if (this.#busy.has(job.id)) {
      this.stats.skippedOverlap++;
      return;
    }
    this.#busy.add(job.id);
    (this.#slow.has(job.id) ? this.#slowQueue : this.#fast).push({ job, dueAt });
    this.#pump();
  }

  #pump(): void {
    while (!this.#stopping && this.stats.running < this.opts.concurrency) {
      const slowOk = this.#slowRunning < this.#slowLimit && this.#slowQueue.length > 0;
      const fast = this.#fast[0];
      const slow = slowOk ? this.#slowQueue[0] : undefined;
      let next: Queued | undefined;
      if (fast && (!slow || fast.dueAt <= slow.dueAt)) next = this.#fast.shift();
      else if (slow) next = this.#slowQueue.shift();
      if (!next) break;
      this.#launch(next);
    }
    this.stats.queued = this.#fast.length + this.#slowQueue.length;
  }

  #launch({ job, dueAt }: Queued): void {
    const isSlow = this.#slow.has(job.id);
    const controller = new AbortController();
    const info: RunInfo = { job, dueAt, startedAt: this.opts.clock.now(), signal: controller.signal };
    this.stats.running++;
    this.stats.started++;
    if (isSlow) this.#slowRunning++;
    this.opts.onStart?.(info);
    const done = this.opts
      .run(info)
      .catch(() => {
        // run() records its own failures; nothing may escape into the scheduler.
      })
      .finally(() => {
        const took = this.opts.clock.now() - info.startedAt;
        if (took >= (this.opts.slowAfterMs ?? 1000)) this.#slow.add(job.id);
        else this.#slow.delete(job.id);
        this.stats.running--;
        if (isSlow) this.#slowRunning--;
        this.#busy.delete(job.id);
        this.#inFlight.delete(job.id);
        this.#pump();
      });
    this.#inFlight.set(job.id, { controller, done });
  }
}

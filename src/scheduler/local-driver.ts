import type { Clock, TimerHandle } from '../core/clock.js';
import { MinHeap } from '../core/heap.js';
import { nextDue } from '../core/schedule.js';
import type { Job, SchedulerDriver } from './types.js';

interface Entry {
  job: Job;
  due: number;
  /** bumped when the job is replaced or removed: stale heap entries are skipped */
  version: number;
}

/** Timer-heap driver for a single node: one timer armed for the earliest due job. */
export class LocalDriver implements SchedulerDriver {
  #heap = new MinHeap<Entry>((a, b) => a.due < b.due);
  #current = new Map<string, Entry>();
  #timer: TimerHandle | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #dispatch: ((job: Job, dueAt: number) => void) | undefined;
  #running = false;

  constructor(private readonly clock: Clock) {}

  start(jobs: readonly Job[], dispatch: (job: Job, dueAt: number) => void): void {
    this.#dispatch = dispatch;
    this.#running = true;
    this.update(jobs);
  }

  update(jobs: readonly Job[]): void {
    const now = this.clock.now();
    const next = new Map<string, Entry>();
    for (const job of jobs) {
      const old = this.#current.get(job.id);
      if (old && JSON.stringify(old.job.schedule) === JSON.stringify(job.schedule)) {
        old.job = job;
        next.set(job.id, old);
        continue;
      }
      if (old) old.version++;
      const entry: Entry = { job, due: nextDue(job.schedule, job.id, now - 1), version: 0 };
      next.set(job.id, entry);
      this.#heap.push(entry);
    }
    for (const [id, old] of this.#current) if (!next.has(id)) old.version++;
    this.#current = next;
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #arm(): void {
    if (!this.#running) return;
    this.#dropStale();
    const top = this.#heap.peek();
    if (!top || top.due >= this.#armedFor) return;
    this.#timer?.cancel();
    this.#armedFor = top.due;
    this.#timer = this.clock.setTimer(top.due - this.clock.now(), () => this.#fire());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    for (;;) {
      this.#dropStale();
      const top = this.#heap.peek();
      if (!top || top.due > now) break;
      this.#heap.pop();
      const due = top.due;
      // The next slot after now, not after due: a stalled process skips missed slots instead of bursting.
      top.due = nextDue(top.job.schedule, top.job.id, Math.max(due, now));
      this.#heap.push(top);
      this.#dispatch?.(top.job, due);
    }
    this.#arm();
  }

  #dropStale(): void {
    for (;;) {
      const top = this.#heap.peek();
      if (!top) return;
      const live = this.#current.get(top.job.id);
      if (live === top && top.version === live.version) return;
      this.#heap.pop();
    }
  }
}

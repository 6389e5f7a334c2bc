import { type Clock, MAX_TIMER_MS, type TimerHandle } from '../core/clock.js';
import { MinHeap } from '../core/heap.js';
import { nextDue } from '../core/schedule.js';
import type { Job, SchedulerDriver } from './types.js';

interface Entry {
  job: Job;
  due: number;
  /** bumped when the job is replaced or removed: stale heap entries are skipped */
  version: number;
}

/**
 * A `skip` job whose slot passed more than this long ago is not run late: the
 * process was stopped or the machine slept. A busy event loop stays well under.
 */
export const lateGraceMs = 60_000;

/** How many missed slots of a `run-once` job are walked to find the newest. */
const catchUpSteps = 10_000;

/**
 * Timer-heap driver for a single node: one timer, armed for the earliest due
 * job and never longer than a timer can wait; when it fires, only jobs that
 * are really due run, and the rest are re-armed.
 */
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
      if (old && sameSchedule(old.job, job)) {
        old.job = job;
        next.set(job.id, old);
        continue;
      }
      if (old) old.version++;
      const entry: Entry = { job, due: firstDue(job, now), version: 0 };
      next.set(job.id, entry);
      this.#heap.push(entry);
    }
    for (const [id, old] of this.#current) if (!next.has(id)) old.version++;
    this.#current = next;
    this.#rearm();
  }

  nextDueOf(id: string): number | undefined {
    const e = this.#current.get(id);
    return e && Number.isFinite(e.due) ? e.due : undefined;
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  /** Arm the one timer for the earliest job, replacing a later one. */
  #rearm(): void {
    if (!this.#running) return;
    this.#dropStale();
    const top = this.#heap.peek();
    if (!top || !Number.isFinite(top.due) || top.due >= this.#armedFor) return;
    this.#timer?.cancel();
    this.#armedFor = top.due;
    const delay = Math.min(Math.max(0, top.due - this.clock.now()), MAX_TIMER_MS);
    this.#timer = this.clock.setTimer(delay, () => this.#fire());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    for (;;) {
      this.#dropStale();
      const top = this.#heap.peek();
      // A clamped timer (or one a little early) finds nothing due: it only re-arms.
      if (!top || top.due > now) break;
      this.#heap.pop();
      const due = top.due;
      // The next slot after now, not after due: a stalled process never bursts through missed slots.
      top.due = nextDue(top.job.schedule, phaseKey(top.job), Math.max(due, now));
      this.#heap.push(top);
      if (now - due <= lateGraceMs) this.#dispatch?.(top.job, due);
      // Late past the grace: the process was stopped or the machine slept. `run-once` jobs run
      // once, for the newest slot they missed; `skip` jobs wait for their next slot.
      else if (top.job.missed === 'run-once')
        this.#dispatch?.(top.job, newestMissed(top.job, due, now) ?? due);
    }
    this.#rearm();
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

function phaseKey(job: Job): string {
  return job.phaseKey ?? job.id;
}

function sameSchedule(a: Job, b: Job): boolean {
  return (
    JSON.stringify(a.schedule) === JSON.stringify(b.schedule) &&
    phaseKey(a) === phaseKey(b) &&
    a.missed === b.missed
  );
}

/** The next slot; for a `run-once` job with a slot missed since it was last handled, that slot. */
function firstDue(job: Job, now: number): number {
  const upcoming = nextDue(job.schedule, phaseKey(job), now - 1);
  if (job.missed !== 'run-once' || job.handledUntil === undefined) return upcoming;
  return newestMissed(job, job.handledUntil, now) ?? upcoming;
}

/** The newest slot after `after` and before `now`, if any. */
function newestMissed(job: Job, after: number, now: number): number | undefined {
  let missed: number | undefined;
  let t = after;
  for (let i = 0; i < catchUpSteps; i++) {
    const n = nextDue(job.schedule, phaseKey(job), t);
    if (!(n < now)) break;
    missed = n;
    t = n;
  }
  return missed;
}

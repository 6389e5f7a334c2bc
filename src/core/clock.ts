/**
 * Time is a dependency. Production code reads it from a Clock it was given;
 * tests pass a FakeClock and advance it in milliseconds.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/**
 * The longest delay Node's timers take (2^31−1 ms, about 24.8 days). A longer
 * one fires at once with a TimeoutOverflowWarning, so a monthly job re-armed
 * that way spins: the scheduler clamps its delays to this and re-arms.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function checkDelay(ms: number): void {
  if (!(ms <= MAX_TIMER_MS))
    throw new RangeError(`a timer of ${ms} ms is longer than a timer can wait (${MAX_TIMER_MS} ms)`);
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    checkDelay(ms);
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. Timers fire in time order. It refuses a
 * delay the real clock cannot wait (over 2^31−1 ms), so code that would spin in
 * production fails in the suite.
 */
export class FakeClock implements Clock {
  #now: number;
  #timers: PendingTimer[] = [];
  #seq = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    checkDelay(ms);
    const timer: PendingTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** timers armed and neither fired nor cancelled */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /**
   * Move time forward by `ms` without firing anything on the way, then fire
   * what fell due, late: a machine resumed from sleep, or a process resumed
   * after SIGSTOP.
   */
  async suspend(ms: number): Promise<void> {
    this.#now += ms;
    await this.advance(0);
  }

  /**
   * Advance by `ms`, firing every timer that falls due, in order, and letting
   * promise callbacks run between them (so awaited work started by a timer
   * completes before the next one fires).
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.at > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = target;
    await settle();
  }
}

/** Let queued promise callbacks and immediates run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

import type { CheckResult } from '../checks/types.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { TimedSample } from '../store/samples.js';

export interface WriteBufferOptions {
  clock: Clock;
  write(batch: CheckResult[], samples: TimedSample[]): Promise<void>;
  onError(error: unknown, pending: number): void;
  /** flush at least this often */
  intervalMs?: number;
  /** flush early when this many results wait */
  maxBatch?: number;
  /** while the store is down, keep at most this many results (oldest dropped first) */
  maxPending?: number;
  /** strips secrets from a result's message before it is stored: a probe's error may quote its URL */
  scrub?(text: string): string;
}

/**
 * Results are written in batches, one transaction per flush: at 1,000 probes/s
 * a transaction per result would cost more than the probes. Batches stay small
 * (a quarter second, at most 500 results) because SQLite writes block the event
 * loop, and a long block makes every due check start late. A crash loses at
 * most one interval of results, never half of a batch.
 */
export class WriteBuffer {
  #pending: CheckResult[] = [];
  /** samples that belong to no check run: rule outputs */
  #samples: TimedSample[] = [];
  #timer: TimerHandle | undefined;
  #flushing: Promise<void> | undefined;
  dropped = 0;
  written = 0;

  constructor(private readonly opts: WriteBufferOptions) {}

  get pending(): number {
    return this.#pending.length;
  }

  add(result: CheckResult): void {
    const scrub = this.opts.scrub;
    this.#pending.push(scrub ? { ...result, message: scrub(result.message) } : result);
    const max = this.opts.maxPending ?? 100_000;
    if (this.#pending.length > max) {
      const over = this.#pending.length - max;
      this.#pending.splice(0, over);
      this.dropped += over;
    }
    if (this.#pending.length >= (this.opts.maxBatch ?? 500)) void this.flush();
    else this.#timer ??= this.opts.clock.setTimer(this.opts.intervalMs ?? 250, () => void this.flush());
  }

  addSamples(samples: readonly TimedSample[]): void {
    if (!samples.length) return;
    this.#samples.push(...samples);
    this.#timer ??= this.opts.clock.setTimer(this.opts.intervalMs ?? 250, () => void this.flush());
  }

  /** Write everything pending; resolves when it is stored (or has failed and been kept for the next try). */
  async flush(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    while (this.#flushing) await this.#flushing;
    if (!this.#pending.length && !this.#samples.length) return;
    const batch = this.#pending;
    const samples = this.#samples;
    this.#pending = [];
    this.#samples = [];
    this.#flushing = this.opts
      .write(batch, samples)
      .then(() => {
        this.written += batch.length;
      })
      .catch((e) => {
        this.#pending = batch.concat(this.#pending);
        this.#samples = samples.concat(this.#samples);
        this.opts.onError(e, this.#pending.length);
        this.#timer ??= this.opts.clock.setTimer((this.opts.intervalMs ?? 250) * 20, () => void this.flush());
      })
      .finally(() => {
        this.#flushing = undefined;
      });
    await this.#flushing;
  }

  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

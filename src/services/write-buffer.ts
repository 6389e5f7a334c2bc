import type { CheckResult } from '../checks/types.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { describe } from '../errors.js';
import type { TimedSample } from '../store/samples.js';

export interface WriteBufferOptions {
  clock: Clock;
  write(batch: CheckResult[], samples: TimedSample[]): Promise<void>;
  /** writes began to fail: called once per episode, not at every retry */
  onError(error: unknown, pending: number): void;
  /** pending data went over its bounds and the oldest was dropped: once per episode */
  onDrop?(info: { results: number; samples: number; pendingBytes: number }): void;
  /** writes succeed again after failing */
  onRecovered?(info: { failedForMs: number; droppedResults: number; droppedSamples: number }): void;
  /** flush at least this often */
  intervalMs?: number;
  /** flush early when this many results wait; also the largest batch written at once */
  maxBatch?: number;
  /** while the store is down, keep at most this many results (oldest dropped first) */
  maxPending?: number;
  /** and at most about this many bytes of results and samples together (oldest dropped first) */
  maxPendingBytes?: number;
  /** the first retry after a failed write; doubled up to five seconds */
  retryMs?: number;
  /** strips secrets from a result's message before it is stored: a probe's error may quote its URL */
  scrub?(text: string): string;
}

/** Why writes fail, for /health. */
export interface WriteFailure {
  since: number;
  error: string;
  pending: number;
  pendingBytes: number;
}

/**
 * The longest wait between retries. Short, because it is also how long /health says "degraded" and
 * results wait after the store is back; a retry is one small write (the batch halves after each
 * failure), cheap enough every few seconds even against a full disk.
 */
const maxRetryMs = 5_000;
/** samples written with each result in a split batch: a check writes a handful, a scrape hundreds */
const samplesPerResult = 64;

/**
 * Results are written in batches, one transaction per flush: at 1,000 probes/s
 * a transaction per result would cost more than the probes. Batches stay small
 * (a quarter second, at most 500 results): SQLite's results writer (its own
 * thread) holds the database's write lock for one batch, and the daemon's other
 * writes wait for it. A crash loses at most one interval of results, never half
 * of a batch.
 *
 * When writes fail (a full disk, a store that is down) the buffer holds what
 * waits within a bound in bytes and says what it drops; it retries on a
 * backoff timer, never from add(), so a failing synchronous SQLite write
 * cannot become a busy loop; and it halves the batch after each failure, so a
 * little freed space lets the backlog drain in pieces.
 */
export class WriteBuffer {
  #pending: CheckResult[] = [];
  /** samples that belong to no check run: rule outputs */
  #samples: TimedSample[] = [];
  #pendingBytes = 0;
  #timer: TimerHandle | undefined;
  #flushing: Promise<void> | undefined;
  #failure: (WriteFailure & { attempt: number; droppedAtStart: [number, number] }) | undefined;
  #dropReported = false;
  #batch: number;
  dropped = 0;
  droppedSamples = 0;
  written = 0;

  constructor(private readonly opts: WriteBufferOptions) {
    this.#batch = this.#maxBatch;
  }

  get pending(): number {
    return this.#pending.length;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** set while writes fail: since when and why */
  get failure(): WriteFailure | undefined {
    const f = this.#failure;
    return f && { since: f.since, error: f.error, pending: this.pending, pendingBytes: this.#pendingBytes };
  }

  get #maxBatch(): number {
    return this.opts.maxBatch ?? 500;
  }

  add(result: CheckResult): void {
    const scrub = this.opts.scrub;
    const r = scrub ? { ...result, message: scrub(result.message) } : result;
    this.#pending.push(r);
    this.#pendingBytes += resultBytes(r);
    this.#trim();
    if (this.#failure) return; // the retry timer writes, not every new result
    if (this.#pending.length >= this.#maxBatch) void this.flush();
    else this.#schedule(this.opts.intervalMs ?? 250);
  }

  addSamples(samples: readonly TimedSample[]): void {
    if (!samples.length) return;
    for (const s of samples) {
      this.#samples.push(s);
      this.#pendingBytes += sampleBytes(s);
    }
    this.#trim();
    if (!this.#failure) this.#schedule(this.opts.intervalMs ?? 250);
  }

  /**
   * Write everything pending; resolves when it is stored, or when a write has
   * failed and what is left waits for the retry timer.
   */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#failure) return;
    await this.#drain();
  }

  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    // A flush shortly after the first pending result, or a failed write's backoff (at most a
    // minute): batching and retry, not scheduled work.
    this.#timer ??= this.opts.clock.setTimer(ms, () => {
      this.#timer = undefined;
      void this.#retry();
    });
  }

  async #retry(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    await this.#drain();
  }

  async #drain(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#flushing = (async () => {
      while (this.#pending.length || this.#samples.length) {
        const n = this.#batch;
        const batch = this.#pending.splice(0, n);
        const samples = this.#samples.splice(0, Math.max(n * samplesPerResult, batch.length ? 0 : n));
        const bytes =
          batch.reduce((t, r) => t + resultBytes(r), 0) + samples.reduce((t, s) => t + sampleBytes(s), 0);
        try {
          await this.opts.write(batch, samples);
        } catch (e) {
          this.#pending = batch.concat(this.#pending);
          this.#samples = samples.concat(this.#samples);
          this.#failed(e);
          return;
        }
        this.#pendingBytes -= bytes;
        this.written += batch.length;
        this.#succeeded();
        // A backlog drains in pieces with the event loop free between them: checks keep starting on time.
        if (this.#pending.length || this.#samples.length) await new Promise((r) => setImmediate(r));
      }
    })().finally(() => {
      this.#flushing = undefined;
    });
    await this.#flushing;
  }

  #failed(e: unknown): void {
    const now = this.opts.clock.now();
    if (!this.#failure) {
      this.#failure = {
        since: now,
        error: describe(e),
        pending: 0,
        pendingBytes: 0,
        attempt: 0,
        droppedAtStart: [this.dropped, this.droppedSamples],
      };
      this.opts.onError(e, this.#pending.length);
    } else {
      this.#failure.error = describe(e);
      this.#failure.attempt++;
    }
    // A smaller batch next time: the store may have room for part of the backlog.
    this.#batch = Math.max(1, Math.floor(this.#batch / 2));
    const base = this.opts.retryMs ?? (this.opts.intervalMs ?? 250) * 4;
    this.#schedule(Math.min(maxRetryMs, base * 2 ** Math.min(this.#failure.attempt, 16)));
  }

  #succeeded(): void {
    // The size that worked drains the backlog (growing could fail again at once); full size once it is empty.
    if (!this.#pending.length && !this.#samples.length) this.#batch = this.#maxBatch;
    const f = this.#failure;
    if (!f) return;
    this.#failure = undefined;
    this.#dropReported = false;
    this.opts.onRecovered?.({
      failedForMs: this.opts.clock.now() - f.since,
      droppedResults: this.dropped - f.droppedAtStart[0],
      droppedSamples: this.droppedSamples - f.droppedAtStart[1],
    });
  }

  /** Drop the oldest results and samples while over either bound. */
  #trim(): void {
    const maxCount = this.opts.maxPending ?? 100_000;
    const maxBytes = this.opts.maxPendingBytes ?? 64 * 1024 * 1024;
    if (this.#pending.length <= maxCount && this.#pendingBytes <= maxBytes) return;
    let r = 0;
    let s = 0;
    while (r < this.#pending.length && this.#pending.length - r > maxCount) {
      this.#pendingBytes -= resultBytes(this.#pending[r++]!);
    }
    while (this.#pendingBytes > maxBytes && (r < this.#pending.length || s < this.#samples.length)) {
      const result = this.#pending[r];
      const sample = this.#samples[s];
      if (sample && (!result || sample.ts <= result.startedAt)) {
        this.#pendingBytes -= sampleBytes(sample);
        s++;
      } else if (result) {
        this.#pendingBytes -= resultBytes(result);
        r++;
      }
    }
    this.#pending.splice(0, r);
    this.#samples.splice(0, s);
    this.dropped += r;
    this.droppedSamples += s;
    if ((r || s) && !this.#dropReported) {
      this.#dropReported = true;
      this.opts.onDrop?.({ results: r, samples: s, pendingBytes: this.#pendingBytes });
    }
  }
}

/** About what a value takes in memory: strings at two bytes a character, plus object overhead. */
function resultBytes(r: CheckResult): number {
  let n = 160 + 2 * (r.check.length + r.kind.length + r.message.length);
  for (const s of r.samples) n += sampleBytes(s);
  return n;
}

function sampleBytes(s: { name: string; labels?: Readonly<Record<string, string>> }): number {
  let n = 80 + 2 * s.name.length;
  if (s.labels) for (const k in s.labels) n += 40 + 2 * (k.length + (s.labels[k]?.length ?? 0));
  return n;
}

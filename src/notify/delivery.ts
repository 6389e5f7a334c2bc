import type { Clock, TimerHandle } from '../core/clock.js';
import { describe } from '../errors.js';
import type { NotificationsRepo, OutboxRow } from '../store/notifications.js';
import type { Channel } from './config.js';
import { providers } from './registry.js';
import { DeliveryError } from './types.js';

/** how often idle workers look for notifications queued by another process (the CLI, another node) */
const defaultPollMs = 2000;

export interface DeliverySettings {
  timeoutMs: number;
  retry: { initial: number; max: number };
  giveUpAfterMs: number;
  workers: number;
  /** idle workers look for work queued by other processes this often */
  pollIntervalMs?: number;
  /** strips the config's secrets from an error before it is stored or logged: receivers echo requests */
  scrub?(text: string): string;
}

export type DeliveryResult = 'delivered' | 'retry' | 'dead';

export interface DeliveryOptions {
  clock: Clock;
  repo: NotificationsRepo;
  /** the claimer's name in the outbox: this node's id in a cluster */
  node?: string;
  /**
   * Whether this node may send now: in a cluster, false once its membership
   * could not be renewed (self-fencing). Claims are neither taken nor used then.
   */
  canSend?(): boolean;
  /** a notification claimed again after an earlier claim expired without an outcome: it may be a duplicate */
  onReclaim?(row: OutboxRow): void;
  /** the channel as configured now: secrets are read at send time, never stored with the notification */
  channel(name: string): Channel | undefined;
  settings(): DeliverySettings;
  onResult?(row: OutboxRow, result: DeliveryResult, error?: string): void;
  onError?(e: unknown): void;
  /** for tests: the jitter source */
  random?: () => number;
}

/** A claim lasts this much longer than a send may take, so a slow send never outlives its claim. */
const claimMarginMs = 10_000;

/** Exponential backoff with jitter: attempt n waits initial·2ⁿ (capped), scaled by 0.5–1. */
export function backoff(attempt: number, retry: { initial: number; max: number }, random: number): number {
  const base = Math.min(retry.max, retry.initial * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.5 + random / 2));
}

/**
 * Delivery workers over the outbox: every pending notification is tried
 * until a receiver accepts it, it is refused for good (400), or it is older
 * than give_up_after — then it is dead-lettered. Each attempt and its outcome
 * are written before the next attempt is planned, so a crash at any point
 * only ever causes a repeat of an attempt (at-least-once), never a loss; the
 * idempotency key lets receivers drop the repeat.
 */
export class DeliveryWorkers {
  #queue: OutboxRow[] = [];
  #inFlight = new Map<string, AbortController>();
  #fetching = false;
  #dirty = false;
  #timer?: TimerHandle;
  #stopped = true;
  #idle: Array<() => void> = [];
  readonly #random: () => number;

  constructor(private readonly opts: DeliveryOptions) {
    this.#random = opts.random ?? Math.random;
  }

  get #node(): string {
    return this.opts.node ?? 'local';
  }

  /** The one wake-up timer of the workers, replacing any other. */
  #armKick(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.opts.clock.setTimer(ms, () => {
      this.#timer = undefined;
      this.kick();
    });
  }

  #claimMs(): number {
    return this.opts.settings().timeoutMs + claimMarginMs;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    this.#stopped = false;
    this.kick();
  }

  /** Something was enqueued (or may be due): look now. */
  kick(): void {
    if (this.#stopped) return;
    this.#dirty = true;
    void this.#pump();
  }

  /** Resolves when nothing is in flight or queued and nothing is due now. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async stop(deadlineMs: number): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    const unsent = this.#queue;
    this.#queue = [];
    // Claimed but never sent: given back, so that neither a wait for the claim's end nor a
    // "claimed again" (a possible duplicate) follows for a send that never happened.
    if (unsent.length)
      await this.opts.repo.release(unsent, this.#node).catch((e: unknown) => this.opts.onError?.(e));
    if (this.#inFlight.size) {
      const done = this.idle();
      // The shutdown deadline for sends in flight, not scheduled work.
      const t = setTimeout(() => {
        for (const c of this.#inFlight.values()) c.abort();
      }, deadlineMs);
      await done;
      clearTimeout(t);
    }
  }

  #isIdle(): boolean {
    // Once stopped, nothing more will be looked for: a send that ends then must not keep stop() waiting.
    return !this.#inFlight.size && !this.#queue.length && !this.#fetching && (!this.#dirty || this.#stopped);
  }

  #settle(): void {
    if (!this.#isIdle()) return;
    for (const r of this.#idle.splice(0)) r();
  }

  async #pump(): Promise<void> {
    if (this.#fetching) return;
    const { workers } = this.opts.settings();
    while (!this.#stopped) {
      while (this.#queue.length && this.#inFlight.size < workers) this.#start(this.#queue.shift()!);
      if (this.#queue.length || !this.#dirty || this.#inFlight.size >= workers) break;
      this.#dirty = false;
      this.#fetching = true;
      try {
        const now = this.opts.clock.now();
        // What free workers send now and as many again to follow: one claim per batch of sends, not
        // per send. A claimed row that waits in the queue until its claim is too old to send inside
        // is renewed before it is sent, or left to whoever claimed it since (#claimed).
        const want = 2 * workers - this.#inFlight.size;
        if (this.opts.canSend?.() === false) {
          // Fenced: claim nothing until membership is renewed; look again after the poll interval.
          this.#timer?.cancel();
          this.#armKick(this.opts.settings().pollIntervalMs ?? defaultPollMs);
          break;
        }
        const rows = await this.opts.repo.claim(this.#node, now, want, this.#claimMs());
        for (const r of rows) if (r.claims > r.attempts + 1) this.opts.onReclaim?.(r);
        this.#queue.push(...rows.filter((r) => !this.#inFlight.has(r.id)));
        if (!this.#queue.length) {
          // Sends in flight look again when they end: the next due time is needed only when none are.
          if (this.#inFlight.size) {
            if (!this.#timer) this.#armKick(this.opts.settings().pollIntervalMs ?? defaultPollMs);
          } else await this.#sleepUntilDue(now);
        } else if (rows.length === want) this.#dirty = true;
      } catch (e) {
        this.opts.onError?.(e);
        this.#timer?.cancel();
        // The store failed: look again in a second (a retry's backoff).
        this.#armKick(1000);
      } finally {
        this.#fetching = false;
      }
    }
    this.#settle();
  }

  async #sleepUntilDue(now: number): Promise<void> {
    const next = await this.opts.repo.nextDue();
    this.#timer?.cancel();
    this.#timer = undefined;
    // A worker's wait for work, not scheduled work: it only ever looks again, bounded by the poll interval.
    const idlePollMs = this.opts.settings().pollIntervalMs ?? defaultPollMs;
    if (next === undefined) {
      // Another process (the CLI, another node) may queue work: look again now and then.
      this.#armKick(idlePollMs);
      return;
    }
    if (next <= now) {
      // Due already: either one we are sending (its outcome will look again) or one that just became due.
      if (!this.#inFlight.size) this.#dirty = true;
      return;
    }
    // A wait for the next retry that falls due, never longer than the poll interval.
    this.#armKick(Math.min(next - now, idlePollMs));
  }

  #start(row: OutboxRow): void {
    const ctl = new AbortController();
    this.#inFlight.set(row.id, ctl);
    void this.#claimed(row)
      .then((held) => held && this.#deliver(held, ctl.signal))
      .catch((e: unknown) => this.opts.onError?.(e))
      .finally(() => {
        this.#inFlight.delete(row.id);
        this.#dirty = true;
        void this.#pump();
      });
  }

  /**
   * The row if this node may send it now. Fenced: no. A claim too old to finish a send inside
   * (the store answered slowly, or the process was paused between claim and send) is renewed
   * first, and only if nobody claimed the row since; otherwise whoever holds it sends it.
   */
  async #claimed(row: OutboxRow): Promise<OutboxRow | undefined> {
    if (this.opts.canSend?.() === false) return undefined;
    const now = this.opts.clock.now();
    if (row.claimedUntil === null || now + this.opts.settings().timeoutMs < row.claimedUntil) return row;
    const renewed = await this.opts.repo.renewClaim(row, this.#node, now, this.#claimMs());
    return renewed && this.opts.canSend?.() !== false ? renewed : undefined;
  }

  async #deliver(row: OutboxRow, signal: AbortSignal): Promise<void> {
    const settings = this.opts.settings();
    const channel = this.opts.channel(row.channel);
    const started = this.opts.clock.now();
    const t0 = performance.now();
    let result: DeliveryResult;
    let error: string | undefined;
    let statusCode: number | undefined;
    if (!channel || channel.provider !== row.provider) {
      result = 'dead';
      error = `channel "${row.channel}" is no longer configured as ${row.provider}`;
    } else {
      try {
        const provider = providers[channel.provider];
        const deliver = row.payload.announcement ? provider.announce : provider.send;
        if (!deliver)
          throw new DeliveryError(`${channel.provider} channels do not carry announcements`, false);
        await deliver(channel.spec as never, {
          id: row.id,
          idempotencyKey: row.idempotencyKey,
          channel: row.channel,
          payload: row.payload,
          signal,
          timeoutMs: settings.timeoutMs,
        });
        result = 'delivered';
      } catch (e) {
        const de = e instanceof DeliveryError ? e : new DeliveryError(describe(e), true);
        error = settings.scrub ? settings.scrub(de.message) : de.message;
        statusCode = de.statusCode;
        result = de.retry ? 'retry' : 'dead';
      }
    }
    const at = this.opts.clock.now();
    let nextAttemptAt: number | undefined;
    if (result === 'retry') {
      nextAttemptAt = at + backoff(row.attempts, settings.retry, this.#random());
      if (nextAttemptAt - row.createdAt > settings.giveUpAfterMs) {
        result = 'dead';
        error = `${error}; gave up after ${row.attempts + 1} attempts`;
      }
    }
    try {
      await this.opts.repo.attempted(
        row.id,
        {
          at: Math.max(at, started),
          durationMs: performance.now() - t0,
          result: result === 'delivered' ? 'ok' : result,
          statusCode: statusCode ?? null,
          error: error ?? null,
        },
        result === 'retry'
          ? { status: 'pending', nextAttemptAt }
          : { status: result === 'delivered' ? 'delivered' : 'dead' },
        this.#node,
      );
    } catch (e) {
      // Not recorded: the row stays pending and is sent again (at-least-once).
      this.opts.onError?.(e);
      return;
    }
    this.opts.onResult?.(row, result, error);
  }
}

import type { Clock } from '../core/clock.js';

/**
 * A value read from the store at most once per `ttlMs`, refreshed in the
 * background while the stale one is still served (only the very first read
 * waits). The dashboard's hourly sparklines and the status page's daily bars
 * are aggregates over thousands of rollup rows that change by one run at a
 * time: reading them per request would cost every viewer (and, for the public
 * status page, every visitor during an outage) a full scan.
 */
export class Cached<T> {
  #value?: { at: number; value: T };
  #loading?: Promise<T>;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  async get(): Promise<T> {
    const now = this.clock.now();
    if (this.#value && now - this.#value.at < this.ttlMs) return this.#value.value;
    if (!this.#loading) {
      this.#loading = this.load()
        .then((value) => {
          this.#value = { at: now, value };
          return value;
        })
        .finally(() => {
          this.#loading = undefined;
        });
    }
    if (!this.#value) return this.#loading;
    this.#loading.catch(this.onError);
    return this.#value.value;
  }
}

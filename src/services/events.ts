/** What the dashboard hears live: one line per check run, alert transition or incident change. */
export type VigilEvent =
  | {
      type: 'check';
      check: string;
      status: string;
      up: boolean;
      at: number;
      durationMs: number;
      /** what the run said, with secrets scrubbed as for the store */
      message: string;
    }
  | { type: 'alert'; rule: string; labels: Record<string, string>; from: string; to: string; at: number }
  | { type: 'incident'; id?: number; at: number };

/**
 * Fan-out from the monitor, the rule engine and the notifier to every open
 * `/api/v1/events` stream: producers publish once, however many browsers listen,
 * and nobody polls the store per client.
 */
export class EventHub {
  readonly #listeners = new Set<(e: VigilEvent) => void>();

  publish(event: VigilEvent): void {
    for (const listen of this.#listeners) listen(event);
  }

  /** Returns the function that stops listening. */
  subscribe(listen: (e: VigilEvent) => void): () => void {
    this.#listeners.add(listen);
    return () => this.#listeners.delete(listen);
  }

  get size(): number {
    return this.#listeners.size;
  }
}

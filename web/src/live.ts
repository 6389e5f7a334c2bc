/** One EventSource for the whole app; pages subscribe to the event types they show. */
export type LiveEvent =
  | {
      type: 'check';
      check: string;
      status: string;
      up: boolean;
      at: number;
      durationMs: number;
      message?: string;
    }
  | { type: 'alert'; rule: string; labels: Record<string, string>; from: string; to: string; at: number }
  | { type: 'incident'; id?: number; at: number };

const listeners = new Set<(e: LiveEvent) => void>();
let source: EventSource | undefined;

export function startLive(): void {
  if (source) return;
  source = new EventSource('/api/v1/events');
  for (const type of ['check', 'alert', 'incident']) {
    source.addEventListener(type, (m) => {
      const e = JSON.parse((m as MessageEvent<string>).data) as LiveEvent;
      for (const l of listeners) l(e);
    });
  }
}

export function stopLive(): void {
  source?.close();
  source = undefined;
}

export function onLive(fn: (e: LiveEvent) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

import type { ActiveAlert } from '../core/alert-state.js';
import { type Clock, MAX_TIMER_MS, type TimerHandle } from '../core/clock.js';
import { alertFingerprint } from '../notify/fingerprint.js';

/** The pseudo rule group alerts from outside (Prometheus, Alertmanager) belong to. */
export const externalGroup = '__external__';

/** Alertmanager's resolve_timeout: a firing alert sent without endsAt resolves after this much silence. */
export const resolveTimeoutMs = 5 * 60_000;

export interface ExternalAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** when it resolves unless sent again; undefined: only an explicit resolve ends it */
  endsAt: number | undefined;
  generatorURL?: string;
}

export interface ExternalAlertsDeps {
  clock: Clock;
  /** the notifier's observe(): the whole set of external alerts, each time it changes */
  observe(group: string, ts: number, alerts: ReadonlyMap<string, ActiveAlert>): void;
}

/**
 * Alerts that another Prometheus or Alertmanager sends to Vigil, held with
 * Alertmanager's semantics: one alert per label fingerprint, a resend
 * refreshes it, an alert resolves at its endsAt (Prometheus sends one a few
 * evaluation intervals ahead, so a Prometheus that stops sending resolves its
 * alerts), and each change is handed to the notifier like a rule group's
 * evaluation, so external alerts route, group, silence, inhibit and open
 * incidents like Vigil's own.
 */
export class ExternalAlerts {
  readonly #alerts = new Map<string, ExternalAlert>();
  #timer?: TimerHandle;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly deps: ExternalAlertsDeps) {}

  /** Takes a batch; an alert already held is updated (Alertmanager merges by fingerprint). */
  receive(batch: readonly ExternalAlert[]): void {
    for (const a of batch) {
      const fp = alertFingerprint(a.labels);
      const held = this.#alerts.get(fp);
      // A resend keeps the first startsAt, as Alertmanager's merge does.
      this.#alerts.set(fp, held && held.startsAt < a.startsAt ? { ...a, startsAt: held.startsAt } : a);
    }
    this.#publish();
  }

  /** The alerts firing now, for the API and dashboard. */
  firing(): ExternalAlert[] {
    const now = this.deps.clock.now();
    return [...this.#alerts.values()].filter((a) => a.endsAt === undefined || a.endsAt > now);
  }

  stop(): void {
    this.#timer?.cancel();
  }

  #publish(): void {
    const now = this.deps.clock.now();
    const view = new Map<string, ActiveAlert>();
    let next = Number.POSITIVE_INFINITY;
    for (const [fp, a] of this.#alerts) {
      const ended = a.endsAt !== undefined && a.endsAt <= now;
      view.set(fp, {
        labels: a.labels,
        annotations: a.annotations,
        state: ended ? 'inactive' : 'firing',
        activeAt: a.startsAt,
        ...(ended ? { resolvedAt: a.endsAt } : {}),
        value: Number.NaN,
      });
      // The notifier resolves it now; nothing more to hold.
      if (ended) this.#alerts.delete(fp);
      else if (a.endsAt !== undefined) next = Math.min(next, a.endsAt);
    }
    this.deps.observe(externalGroup, now, view);
    this.#wakeAt(next);
  }

  /** One timer, for the earliest endsAt: resolution by absence needs no request to arrive. */
  #wakeAt(at: number): void {
    if (at === this.#timerAt) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = at;
    if (!Number.isFinite(at)) return;
    // One deadline: the earliest endsAt of the alerts held. Clamped to what a timer can wait; an
    // early wake only publishes what is due and arms again.
    const wait = Math.min(Math.max(0, at - this.deps.clock.now()), MAX_TIMER_MS);
    this.#timer = this.deps.clock.setTimer(wait, () => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#publish();
    });
  }
}

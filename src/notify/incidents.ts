import type { Incident, IncidentsRepo } from '../store/incidents.js';
import type { NotifyAlert } from './types.js';

/** Severity names people use, ranked; unknown names rank below `info` and never open incidents. */
const ranks: Record<string, number> = {
  info: 0,
  low: 0,
  none: 0,
  warning: 1,
  warn: 1,
  minor: 1,
  error: 2,
  high: 2,
  major: 2,
  critical: 3,
  page: 3,
  fatal: 3,
};

export function severityRank(severity: string | undefined): number {
  return ranks[(severity ?? '').toLowerCase()] ?? -1;
}

export interface IncidentSettings {
  enabled: boolean;
  severity: string;
  groupBy: string[];
}

/**
 * Opens an incident when an alert at or above the configured severity fires
 * (or adds it to the open incident with the same key), keeps its timeline,
 * and resolves it when its last alert resolves. All writes go through one
 * queue, so two alerts firing at once cannot open two incidents.
 */
export class IncidentTracker {
  #chain: Promise<unknown> = Promise.resolve();
  /** fingerprint → incident id, for the alerts of incidents not yet resolved */
  #of = new Map<string, number>();
  /** resolved alerts' incidents, until the notifier forgets the alert (its resolution is still notified) */
  #was = new Map<string, number>();

  constructor(
    private readonly repo: IncidentsRepo,
    private settings: () => IncidentSettings,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  async load(): Promise<void> {
    for (const i of await this.repo.list()) for (const fp of i.alerts) this.#of.set(fp, i.id);
  }

  incidentOf(fp: string): number | undefined {
    return this.#of.get(fp) ?? this.#was.get(fp);
  }

  forget(fp: string): void {
    this.#was.delete(fp);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const next = this.#chain.then(fn).catch((e) => {
      this.onError(e);
      return undefined;
    });
    this.#chain = next;
    return next;
  }

  fired(alert: NotifyAlert, at: number): Promise<unknown> {
    const s = this.settings();
    if (!s.enabled || this.#of.has(alert.fingerprint)) return Promise.resolve();
    this.#was.delete(alert.fingerprint);
    if (severityRank(alert.labels.severity) < severityRank(s.severity)) return Promise.resolve();
    return this.#serial(async () => {
      const key = s.groupBy.map((l) => `${l}=${alert.labels[l] ?? ''}`).join(',');
      const text = describeAlert(alert);
      const open = await this.repo.current(key);
      if (open) {
        if (!open.alerts.includes(alert.fingerprint)) {
          await this.repo.setAlerts(open.id, [...open.alerts, alert.fingerprint]);
          await this.repo.event(open.id, { at, kind: 'alert_fired', text, actor: null });
        }
        this.#of.set(alert.fingerprint, open.id);
        return;
      }
      const title = alert.annotations.summary
        ? `${alert.labels.alertname}: ${alert.annotations.summary}`
        : (alert.labels.alertname ?? 'alert');
      const i = await this.repo.open({
        key,
        title,
        severity: alert.labels.severity ?? '',
        alert: alert.fingerprint,
        at,
      });
      await this.repo.event(i.id, { at, kind: 'alert_fired', text, actor: null });
      this.#of.set(alert.fingerprint, i.id);
    });
  }

  resolved(alert: NotifyAlert, at: number): Promise<unknown> {
    const id = this.#of.get(alert.fingerprint);
    if (id === undefined) return Promise.resolve();
    this.#of.delete(alert.fingerprint);
    this.#was.set(alert.fingerprint, id);
    return this.#serial(async () => {
      const i = await this.repo.get(id);
      if (!i) return;
      const rest = i.alerts.filter((fp) => fp !== alert.fingerprint);
      await this.repo.setAlerts(id, rest);
      await this.repo.event(id, { at, kind: 'alert_resolved', text: describeAlert(alert), actor: null });
      if (!rest.length && i.status !== 'resolved') await this.repo.resolve(id, null, at);
    });
  }

  notified(
    ids: readonly number[],
    channel: string,
    ok: boolean,
    at: number,
    error?: string,
  ): Promise<unknown> {
    if (!ids.length) return Promise.resolve();
    return this.#serial(async () => {
      for (const id of ids)
        await this.repo.event(id, {
          at,
          kind: ok ? 'notified' : 'notify_failed',
          text: ok ? `notified ${channel}` : `notifying ${channel} failed: ${error ?? 'unknown error'}`,
          actor: null,
        });
    });
  }

  /** Whether every one of these alerts belongs to an acknowledged (or resolved) incident. */
  async allAcknowledged(fps: readonly string[]): Promise<boolean> {
    if (!fps.length) return false;
    const ids = new Set<number>();
    for (const fp of fps) {
      const id = this.#of.get(fp);
      if (id === undefined) return false;
      ids.add(id);
    }
    const incidents = await Promise.all([...ids].map((id) => this.repo.get(id)));
    return incidents.every((i: Incident | undefined) => i !== undefined && i.status !== 'open');
  }

  /** Waits for queued writes (tests, shutdown). */
  settled(): Promise<unknown> {
    return this.#chain;
  }
}

function describeAlert(a: NotifyAlert): string {
  const labels = Object.entries(a.labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${a.labels.alertname ?? 'alert'}${labels ? ` {${labels}}` : ''}`;
}

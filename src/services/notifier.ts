import { randomUUID } from 'node:crypto';
import type { ActiveAlert } from '../core/alert-state.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { describe } from '../errors.js';
import type { Channel, CompiledNotify } from '../notify/config.js';
import { type DeliveryResult, type DeliverySettings, DeliveryWorkers } from '../notify/delivery.js';
import { type AggregationGroup, Dispatcher } from '../notify/dispatcher.js';
import { alertFingerprint } from '../notify/fingerprint.js';
import { type IncidentSettings, IncidentTracker } from '../notify/incidents.js';
import { compileMatchers } from '../notify/matchers.js';
import { isNews, logKey, notificationData, sameRecord } from '../notify/notification-data.js';
import { providers } from '../notify/registry.js';
import { render } from '../notify/template.js';
import type { NotifyAlert } from '../notify/types.js';
import type { IncidentsRepo } from '../store/incidents.js';
import type { LogEntry, NotificationsRepo, OutboxRow } from '../store/notifications.js';
import { type Silence, type SilencesRepo, silenceState } from '../store/silences.js';
import type { PageMessage } from './escalations.js';
import { externalGroup } from './external-alerts.js';

export interface NotifierSettings {
  notify: CompiledNotify;
  delivery: DeliverySettings;
  externalUrl: string;
  incidents: IncidentSettings;
}

export interface NotifierLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface NotifierDeps {
  clock: Clock;
  notifications: NotificationsRepo;
  silences: SilencesRepo;
  incidents: IncidentsRepo;
  settings(): NotifierSettings;
  log: NotifierLog;
  /** told after an incident opened or closed, so the dashboard can show it live */
  onIncidentChange?(): void;
  /** for tests: the delivery jitter source */
  random?: () => number;
  /**
   * In a cluster: whether this node holds the alerting lease. Only that node
   * groups alerts and writes notifications; every node delivers from the outbox.
   */
  leading?(): boolean;
  /** in a cluster: this node's name as the outbox's claimer, and whether it may send now */
  node?: string;
  canSend?(): boolean;
  /** a route whose receiver is an escalation policy: page it for these incidents */
  escalate?(policy: string, incidents: number[], message: PageMessage): Promise<void>;
}

/** Vigil's own alert when a channel dead-letters a notification. */
const internalGroup = '__vigil__';
/** How long an alert remembered from before a restart waits for its rule group to evaluate again. */
const confirmWithinMs = 5 * 60_000;
/** How often silences are re-read, so ones added from the CLI take effect. */
const silenceRefreshMs = 2000;

export interface NotifierCounters {
  /** `${channel}\0${result}` → count */
  results: Map<string, number>;
  unrouted: number;
  templateErrors: number;
  /** notifications claimed again after a claimer died mid-send: each may have reached its receiver twice */
  reclaimed: number;
}

/**
 * The notification pipeline: alerts from rule evaluations → routes and
 * aggregation groups → silences and inhibition → Alertmanager's
 * de-duplication against the notification log → the durable outbox →
 * delivery workers. Incidents open and close beside it.
 */
export class Notifier {
  readonly #alerts = new Map<string, NotifyAlert>();
  /** rule group → fingerprints of its alerts still firing here */
  readonly #byGroup = new Map<string, Set<string>>();
  readonly #log = new Map<string, LogEntry>();
  readonly #confirmed = new Set<string>();
  readonly dispatcher: Dispatcher;
  readonly workers: DeliveryWorkers;
  readonly incidents: IncidentTracker;
  readonly counters: NotifierCounters = { results: new Map(), unrouted: 0, templateErrors: 0, reclaimed: 0 };
  #silences: Silence[] = [];
  #silencesAt = Number.NEGATIVE_INFINITY;
  #confirmTimer?: TimerHandle;
  #unroutedSeen = new Set<string>();
  #pending = new Set<Promise<unknown>>();
  #ready: Promise<void> = Promise.resolve();

  constructor(private readonly deps: NotifierDeps) {
    this.dispatcher = new Dispatcher({
      clock: deps.clock,
      route: deps.settings().notify.route,
      flush: (g, alerts) => this.#flush(g, alerts),
      unrouted: (a) => {
        this.counters.unrouted++;
        const name = a.labels.alertname ?? '';
        if (!this.#unroutedSeen.has(name)) {
          this.#unroutedSeen.add(name);
          deps.log.warn({ alert: name }, 'alert matches no notification route; nobody is told');
        }
      },
      released: (fp) => {
        const a = this.#alerts.get(fp);
        if (a?.endsAt === undefined) return;
        this.#alerts.delete(fp);
        this.incidents.forget(fp);
        this.#track(deps.notifications.forget([fp]));
      },
      onError: (e) => deps.log.error({ err: describe(e) }, 'notification group flush failed; will retry'),
    });
    this.workers = new DeliveryWorkers({
      clock: deps.clock,
      repo: deps.notifications,
      channel: (name) => deps.settings().notify.channels.get(name),
      settings: () => deps.settings().delivery,
      onResult: (row, result, error) => this.#onResult(row, result, error),
      onReclaim: () => this.counters.reclaimed++,
      ...(deps.node !== undefined ? { node: deps.node } : {}),
      ...(deps.canSend ? { canSend: deps.canSend } : {}),
      onError: (e) => deps.log.error({ err: describe(e) }, 'notification delivery bookkeeping failed'),
      random: deps.random,
    });
    this.incidents = new IncidentTracker(
      deps.incidents,
      () => deps.settings().incidents,
      (e) => deps.log.error({ err: describe(e) }, 'incident update failed'),
    );
  }

  /** Loads what a previous run left: alerts, the notification log, open incidents; starts delivery. */
  async start(): Promise<void> {
    if (this.#leading()) await this.#load();
    // Alerts of rule groups that never evaluate again (removed from the config) resolve after a while.
    // Once after a start or reload, not periodic work.
    this.#confirmTimer = this.deps.clock.setTimer(confirmWithinMs, () => {
      if (!this.#leading()) return;
      const at = this.deps.clock.now();
      for (const [group, fps] of this.#byGroup) {
        if (this.#confirmed.has(group)) continue;
        for (const fp of [...fps]) this.#resolve(this.#alerts.get(fp)!, at);
      }
    });
    this.workers.start();
  }

  /**
   * This node took the alerting lease: take over the alerts, the notification
   * log and the incidents from the store as the last holder left them, and group
   * from there. Resolves when ready; observations wait for it.
   */
  lead(): Promise<void> {
    this.#ready = this.settled().then(() => this.#load());
    return this.#ready;
  }

  /** This node lost the alerting lease: hold nothing, so nothing is flushed twice. */
  follow(): void {
    this.dispatcher.setRoute(this.deps.settings().notify.route, []);
    this.#alerts.clear();
    this.#byGroup.clear();
    this.#log.clear();
  }

  /** Resolves when a take-over started by lead() has loaded. */
  ready(): Promise<void> {
    return this.#ready;
  }

  #leading(): boolean {
    return this.deps.leading?.() ?? true;
  }

  async #load(): Promise<void> {
    this.#alerts.clear();
    this.#byGroup.clear();
    this.#log.clear();
    for (const e of await this.deps.notifications.log()) this.#log.set(logKey(e.receiver, e.groupKey), e);
    await this.incidents.load();
    await this.refreshSilences(true);
    for (const a of await this.deps.notifications.alerts()) {
      this.#alerts.set(a.fingerprint, a);
      if (a.endsAt === undefined) this.#member(a.ruleGroup).add(a.fingerprint);
    }
    this.dispatcher.setRoute(this.deps.settings().notify.route, this.#alerts.values());
  }

  /**
   * One rule group's alerts after an evaluation at `ts`: firing ones are
   * notified, resolved ones resolved; an alert this notifier holds that the
   * group no longer reports at all (e.g. it ended while Vigil was down)
   * resolves at `ts`.
   */
  observe(group: string, ts: number, alerts: ReadonlyMap<string, ActiveAlert>): void {
    if (!this.#leading()) return;
    this.#confirmed.add(group);
    const active = new Set<string>();
    for (const a of alerts.values()) {
      const fp = alertFingerprint(a.labels);
      const known = this.#alerts.get(fp);
      const firingHere = known !== undefined && known.endsAt === undefined;
      if (a.state === 'firing') {
        active.add(fp);
        if (!firingHere) {
          const alert: NotifyAlert = {
            fingerprint: fp,
            ruleGroup: group,
            labels: a.labels,
            annotations: a.annotations,
            // When it fired, as Prometheus sends it to Alertmanager: group_wait counts from there,
            // not from the start of `for` (which had already passed group_wait at firing).
            startsAt: a.firedAt ?? a.activeAt,
          };
          this.#fire(alert, ts);
        } else if (!sameRecord(known.annotations, a.annotations)) {
          known.annotations = a.annotations;
        }
      } else if (a.state === 'pending' && firingHere) {
        // Restored after a restart and waiting out `for` again: still the same incident.
        active.add(fp);
      } else if (a.state === 'inactive' && firingHere && a.resolvedAt !== undefined) {
        active.add(fp);
        this.#resolve(known, a.resolvedAt);
      }
    }
    const mine = this.#byGroup.get(group);
    if (mine) for (const fp of [...mine]) if (!active.has(fp)) this.#resolve(this.#alerts.get(fp)!, ts);
  }

  /** Rule groups after a reload: alerts of groups that are gone resolve now. */
  ruleGroupsChanged(groups: readonly string[]): void {
    const keep = new Set([...groups, internalGroup, externalGroup]);
    const at = this.deps.clock.now();
    for (const [group, fps] of this.#byGroup)
      if (!keep.has(group)) for (const fp of [...fps]) this.#resolve(this.#alerts.get(fp)!, at);
  }

  /** New channels and routes: groups start over from the alerts held (the notification log prevents repeats). */
  reload(): void {
    this.dispatcher.setRoute(this.deps.settings().notify.route, this.#alerts.values());
    this.workers.kick();
  }

  async refreshSilences(force = false): Promise<void> {
    const now = this.deps.clock.now();
    if (!force && now - this.#silencesAt < silenceRefreshMs) return;
    this.#silencesAt = now;
    this.#silences = await this.deps.silences.list(now);
  }

  /** Whether a silence or an inhibition rule keeps this alert from being sent now. */
  mutedBy(alert: NotifyAlert, now: number): { silence?: string; inhibitedBy?: string } | undefined {
    for (const s of this.#silences) {
      if (silenceState(s, now) === 'active' && compileMatchers(s.matchers)(alert.labels))
        return { silence: s.id };
    }
    if (alert.endsAt !== undefined) return undefined;
    for (const rule of this.deps.settings().notify.inhibit) {
      const target = compileMatchers(rule.target);
      if (!target(alert.labels)) continue;
      const source = compileMatchers(rule.source);
      for (const s of this.#alerts.values()) {
        if (s.endsAt !== undefined || s.fingerprint === alert.fingerprint || !source(s.labels)) continue;
        // An alert that matches both sides cannot be inhibited by one that also does (Alertmanager's rule).
        if (source(alert.labels) && target(s.labels)) continue;
        if (rule.equal.every((l) => (s.labels[l] ?? '') === (alert.labels[l] ?? '')))
          return { inhibitedBy: s.labels.alertname ?? s.fingerprint };
      }
    }
    return undefined;
  }

  /** Every alert the notifier holds: firing ones, and resolved ones not yet notified. */
  alerts(): NotifyAlert[] {
    return [...this.#alerts.values()];
  }

  /** Alerts Vigil raises about itself (NotificationFailing) that are firing now. */
  ownAlerts(): NotifyAlert[] {
    return this.alerts().filter((a) => a.ruleGroup === internalGroup && a.endsAt === undefined);
  }

  /** Waits for writes started by observe() (tests). */
  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
    await this.incidents.settled();
  }

  async stop(deadlineMs: number): Promise<void> {
    this.#confirmTimer?.cancel();
    this.dispatcher.stop();
    await this.workers.stop(deadlineMs);
    await this.settled();
  }

  #member(group: string): Set<string> {
    let s = this.#byGroup.get(group);
    if (!s) {
      s = new Set();
      this.#byGroup.set(group, s);
    }
    return s;
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch((e) => this.deps.log.error({ err: describe(e) }, 'notifier store write failed'));
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  #fire(alert: NotifyAlert, at: number): void {
    this.#alerts.set(alert.fingerprint, alert);
    this.#member(alert.ruleGroup).add(alert.fingerprint);
    this.dispatcher.ingest(alert);
    this.#track(this.incidents.fired(alert, at).then(() => this.deps.onIncidentChange?.()));
  }

  #resolve(alert: NotifyAlert, at: number): void {
    const resolved: NotifyAlert = { ...alert, endsAt: at };
    this.#alerts.set(alert.fingerprint, resolved);
    this.#byGroup.get(alert.ruleGroup)?.delete(alert.fingerprint);
    this.#track(this.deps.notifications.resolveAlert(alert.fingerprint, at));
    this.#track(this.incidents.resolved(resolved, at).then(() => this.deps.onIncidentChange?.()));
    this.dispatcher.ingest(resolved);
  }

  async #flush(g: AggregationGroup, alerts: NotifyAlert[]): Promise<void> {
    // A group timer that fires after this node lost the alerting lease (a frozen process woken
    // up, before follow() empties the groups) writes nothing: the new holder flushes.
    if (!this.#leading()) return;
    const settings = this.deps.settings();
    const receiver = g.route.receiver!;
    const channel = settings.notify.channels.get(receiver);
    if (!channel) return this.#escalate(g, alerts, receiver);
    const now = this.deps.clock.now();
    await this.refreshSilences();
    const key = logKey(receiver, g.key);
    const entry = this.#log.get(key);
    const told = new Set(entry?.firing ?? []);
    const firing = alerts.filter((a) => a.endsAt === undefined && !this.mutedBy(a, now));
    // Only a resolution of an alert this receiver was told about is news; a silenced one stays quiet.
    const resolved = alerts.filter(
      (a) => a.endsAt !== undefined && told.has(a.fingerprint) && !this.mutedBy(a, now),
    );
    const firingFps = firing.map((a) => a.fingerprint).sort();
    const resolvedFps = resolved.map((a) => a.fingerprint).sort();
    if (!(await this.#needsUpdate(entry, firingFps, resolvedFps, channel, g, now))) return;

    const wire = [...firing, ...(channel.sendResolved ? resolved : [])];
    // Incidents are opened beside the dispatcher: let those under way finish so this notification names them.
    await this.incidents.settled();
    const log: LogEntry = {
      receiver,
      groupKey: g.key,
      firing: firingFps,
      resolved: channel.sendResolved ? resolvedFps : [],
      sentAt: now,
    };
    let notification: Parameters<NotificationsRepo['flush']>[0]['notification'];
    if (wire.length) {
      const data = notificationData(receiver, g, wire, settings.externalUrl);
      const r = render(data, channel.templates);
      if (r.errors.length) {
        this.counters.templateErrors++;
        this.deps.log.error(
          { channel: receiver, errors: r.errors },
          'notification template failed; the default template was used',
        );
      }
      const id = randomUUID();
      const incidents = [...new Set(wire.flatMap((a) => this.incidents.incidentOf(a.fingerprint) ?? []))];
      notification = {
        id,
        idempotencyKey: id,
        channel: receiver,
        provider: channel.provider,
        groupKey: g.key,
        event: data.status,
        payload: { data, title: r.title, body: r.body },
        alerts: wire.length,
        incidents,
        createdAt: now,
        nextAttemptAt: now,
        ...(this.deps.node !== undefined ? { createdBy: this.deps.node } : {}),
      };
    }
    await this.deps.notifications.flush({ alerts, forget: [], log, notification });
    this.#log.set(key, log);
    if (notification) this.workers.kick();
  }

  /**
   * The receiver is an escalation policy: its firing alerts' incidents are escalated (once each;
   * the escalation, not the group's repeat interval, decides who is paged again and when).
   */
  async #escalate(g: AggregationGroup, alerts: NotifyAlert[], policy: string): Promise<void> {
    if (!this.deps.escalate) return;
    const now = this.deps.clock.now();
    await this.refreshSilences();
    const firing = alerts.filter((a) => a.endsAt === undefined && !this.mutedBy(a, now));
    if (!firing.length) return;
    await this.incidents.settled();
    const ids = [...new Set(firing.flatMap((a) => this.incidents.incidentOf(a.fingerprint) ?? []))];
    if (!ids.length) {
      // once per policy, as for unrouted alerts: the group flushes again every group_interval
      if (!this.#unroutedSeen.has(`policy:${policy}`)) {
        this.#unroutedSeen.add(`policy:${policy}`);
        this.deps.log.warn(
          { policy },
          'alerts routed to an escalation policy opened no incident; nobody is paged',
        );
      }
      return;
    }
    const data = notificationData(policy, g, firing, this.deps.settings().externalUrl);
    const r = render(data, {});
    await this.deps.escalate(policy, ids, { title: r.title, body: r.body, data });
  }

  /** Alertmanager's rule for whether a group flush is news to this receiver. */
  async #needsUpdate(
    entry: LogEntry | undefined,
    firing: string[],
    resolved: string[],
    channel: Channel,
    g: AggregationGroup,
    now: number,
  ): Promise<boolean> {
    const news = isNews(entry, firing, resolved, channel.sendResolved);
    if (news !== 'repeat') return news;
    if (now - entry!.sentAt < g.route.repeatIntervalMs) return false;
    if (providers[channel.provider].repeatsKeepAlive) return true;
    // An acknowledged incident stops the reminders (new alerts still notify).
    return !(await this.incidents.allAcknowledged(firing));
  }

  #onResult(row: OutboxRow, result: DeliveryResult, error?: string): void {
    const k = `${row.channel}\u0000${result}`;
    this.counters.results.set(k, (this.counters.results.get(k) ?? 0) + 1);
    const at = this.deps.clock.now();
    if (result === 'retry') {
      this.deps.log.warn(
        { channel: row.channel, id: row.id, attempt: row.attempts + 1, error },
        'notification attempt failed; will retry',
      );
      return;
    }
    if (result === 'dead')
      this.deps.log.error({ channel: row.channel, id: row.id, error }, 'notification dead-lettered');
    this.#track(this.incidents.notified(row.incidents, row.channel, result === 'delivered', at, error));
    // A dead letter raises NotificationFailing for the channel; its next delivery resolves it.
    // Vigil's own alert about the channel is raised by the node that groups alerts.
    if (!this.#leading()) return;
    const labels = { alertname: 'NotificationFailing', channel: row.channel, severity: 'warning' };
    const fp = `${internalGroup}:${row.channel}`;
    const known = this.#alerts.get(fp);
    if (result === 'dead' && (known === undefined || known.endsAt !== undefined)) {
      this.#fire(
        {
          fingerprint: fp,
          ruleGroup: internalGroup,
          labels,
          annotations: {
            summary: `Notifications to ${row.channel} are failing`,
            description: `A notification was dead-lettered: ${error ?? 'unknown error'}`,
          },
          startsAt: at,
        },
        at,
      );
    } else if (result === 'delivered' && known !== undefined && known.endsAt === undefined) {
      this.#resolve(known, at);
    }
  }
}

import type { Clock, TimerHandle } from '../core/clock.js';
import type { Route } from './config.js';
import { compileMatchers } from './matchers.js';
import type { NotifyAlert } from './types.js';

/** The routes an alert goes to, exactly as Alertmanager walks its tree. */
export function matchRoutes(route: Route, labels: Readonly<Record<string, string>>): Route[] {
  if (!matcherOf(route)(labels)) return [];
  const all: Route[] = [];
  for (const child of route.routes) {
    const found = matchRoutes(child, labels);
    all.push(...found);
    if (found.length && !child.continue) break;
  }
  return all.length ? all : [route];
}

const compiled = new WeakMap<Route, (labels: Readonly<Record<string, string>>) => boolean>();
function matcherOf(route: Route) {
  let m = compiled.get(route);
  if (!m) {
    m = compileMatchers(route.matchers);
    compiled.set(route, m);
  }
  return m;
}

export interface AggregationGroup {
  /** unique per route and group labels; the same string across restarts */
  key: string;
  route: Route;
  labels: Record<string, string>;
  alerts: Map<string, NotifyAlert>;
}

interface GroupState extends AggregationGroup {
  timer?: TimerHandle;
  hasFlushed: boolean;
  running: boolean;
}

export interface DispatcherOptions {
  clock: Clock;
  route: Route;
  /**
   * Notify for a group's current alerts. The dispatcher never runs two
   * flushes of one group at once; a flush that throws is retried at the next
   * group_interval with the alerts then current.
   */
  flush(group: AggregationGroup, alerts: NotifyAlert[]): Promise<void>;
  /** an alert the tree sends to no receiver */
  unrouted?(alert: NotifyAlert): void;
  /** an alert left no group: it can be forgotten */
  released?(fingerprint: string): void;
  onError?(e: unknown): void;
}

/**
 * Alertmanager's dispatcher: each alert joins one aggregation group per
 * matching route (keyed by the route and its group_by labels); a new group
 * waits group_wait, then flushes every group_interval while it holds alerts;
 * resolved alerts leave a group once a flush has handled them.
 */
export class Dispatcher {
  #groups = new Map<string, GroupState>();
  /** fingerprint → keys of the groups holding it */
  #membership = new Map<string, Set<string>>();
  #stopped = false;
  #running = new Set<Promise<void>>();

  constructor(private opts: DispatcherOptions) {}

  get groups(): readonly AggregationGroup[] {
    return [...this.#groups.values()];
  }

  /** Adds or updates an alert (a resolved one has endsAt). */
  ingest(alert: NotifyAlert): void {
    if (this.#stopped) return;
    const routes = matchRoutes(this.opts.route, alert.labels);
    let routed = false;
    for (const route of routes) {
      if (route.receiver === undefined) continue;
      routed = true;
      const labels = groupLabels(route, alert.labels);
      const key = `{}/${route.id}/${route.receiver}:${formatLabels(labels)}`;
      let g = this.#groups.get(key);
      const now = this.opts.clock.now();
      if (!g) {
        g = { key, route, labels, alerts: new Map(), hasFlushed: false, running: false };
        this.#groups.set(key, g);
        // An alert older than group_wait (e.g. one restored after a restart) is not held back again.
        const wait = alert.startsAt + route.groupWaitMs <= now ? 0 : route.groupWaitMs;
        this.#arm(g, wait);
      } else if (!g.hasFlushed && alert.startsAt + route.groupWaitMs <= now && !g.running) {
        this.#arm(g, 0);
      }
      g.alerts.set(alert.fingerprint, alert);
      let member = this.#membership.get(alert.fingerprint);
      if (!member) {
        member = new Set();
        this.#membership.set(alert.fingerprint, member);
      }
      member.add(key);
    }
    if (!routed) {
      this.opts.unrouted?.(alert);
      if (!this.#membership.has(alert.fingerprint)) this.opts.released?.(alert.fingerprint);
    }
  }

  /** New routes after a reload: groups start over, as in Alertmanager; the notification log prevents repeats. */
  setRoute(route: Route, alerts: Iterable<NotifyAlert>): void {
    this.stop();
    this.#stopped = false;
    this.opts = { ...this.opts, route };
    for (const a of alerts) this.ingest(a);
  }

  stop(): void {
    this.#stopped = true;
    for (const g of this.#groups.values()) g.timer?.cancel();
    this.#groups.clear();
    this.#membership.clear();
  }

  #arm(g: GroupState, ms: number): void {
    g.timer?.cancel();
    // An alert group's group_wait/group_interval (Alertmanager's aggregation timers): one per live
    // group, cancelled when the group empties, and at most 24 days (the config refuses more).
    g.timer = this.opts.clock.setTimer(ms, () => {
      const p = this.#run(g);
      this.#running.add(p);
      void p.finally(() => this.#running.delete(p));
    });
  }

  async #run(g: GroupState): Promise<void> {
    if (g.running || this.#groups.get(g.key) !== g) return;
    g.running = true;
    g.timer = undefined;
    const snapshot = [...g.alerts.values()];
    try {
      await this.opts.flush(g, snapshot);
      g.hasFlushed = true;
      // Resolved alerts handled by this flush leave the group, unless they changed meanwhile.
      for (const a of snapshot) {
        if (a.endsAt !== undefined && g.alerts.get(a.fingerprint) === a) {
          g.alerts.delete(a.fingerprint);
          this.#leave(a.fingerprint, g.key);
        }
      }
    } catch (e) {
      this.opts.onError?.(e);
    } finally {
      g.running = false;
    }
    if (this.#groups.get(g.key) !== g) return;
    if (g.alerts.size === 0) this.#groups.delete(g.key);
    else this.#arm(g, g.route.groupIntervalMs);
  }

  #leave(fp: string, key: string): void {
    const member = this.#membership.get(fp);
    member?.delete(key);
    if (member && member.size === 0) {
      this.#membership.delete(fp);
      this.opts.released?.(fp);
    }
  }

  /** Resolves when no flush is running (tests, shutdown). */
  async flushed(): Promise<void> {
    while (this.#running.size) await Promise.all([...this.#running]);
  }

  /** Whether any group still holds this alert. */
  holds(fp: string): boolean {
    return this.#membership.has(fp);
  }
}

function groupLabels(route: Route, labels: Readonly<Record<string, string>>): Record<string, string> {
  if (route.groupBy === undefined) return { ...labels };
  const out: Record<string, string> = {};
  for (const name of route.groupBy) if (labels[name] !== undefined) out[name] = labels[name]!;
  return out;
}

/** `{alertname="X",service="api"}`, names sorted: Alertmanager's form in group keys. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}

import {
  type ActiveAlert,
  type AlertElement,
  fingerprint,
  stepAlerts,
  type Transition,
} from '../core/alert-state.js';
import { describe } from '../errors.js';
import { overlay, sharedSelections } from '../metrics/overlay.js';
import { instantQuery } from '../metrics/promql/index.js';
import type { Labels, Queryable, Series } from '../metrics/types.js';
import type { AlertRule, RecordingRule, RuleGroup } from './compile.js';

/** What one rule produced at one evaluation: for the API, /metrics and the store. */
export interface RuleHealth {
  health: 'unknown' | 'ok' | 'err';
  lastError?: string;
  lastEvaluation?: number;
  evaluationMs?: number;
}

export interface RuleTransition extends Transition {
  rule: string;
  group: string;
  annotations: Record<string, string>;
}

export interface OutputSample {
  labels: Labels;
  t: number;
  v: number;
  stale?: true;
}

export interface GroupEvaluation {
  samples: OutputSample[];
  transitions: RuleTransition[];
}

interface Vec {
  labels: Labels;
  v: number;
}

/**
 * One rule group's state across evaluations, like a Prometheus rule group:
 * rules run in order at the group's evaluation timestamp, each seeing the
 * recording rules before it; alerts step through Prometheus's state machine;
 * ALERTS and ALERTS_FOR_STATE are written for pending and firing alerts, and a
 * series a rule stops producing gets a staleness marker.
 */
export class GroupState {
  readonly alerts: Map<string, ActiveAlert>[];
  readonly health: RuleHealth[];
  #lastOutput: Map<string, Labels>[];
  #subqueryStepMs = 60_000;

  constructor(readonly group: RuleGroup) {
    this.alerts = group.rules.map(() => new Map());
    this.health = group.rules.map(() => ({ health: 'unknown' }));
    this.#lastOutput = group.rules.map(() => new Map());
  }

  /**
   * `subqueryStepMs` is the step of subqueries written without one
   * (`x[5m:]`): Prometheus uses the global evaluation interval.
   */
  async evaluate(
    ts: number,
    base: Queryable,
    opts: { subqueryStepMs?: number } = {},
  ): Promise<GroupEvaluation> {
    this.#subqueryStepMs = opts.subqueryStepMs ?? this.group.intervalMs;
    const samples: OutputSample[] = [];
    const transitions: RuleTransition[] = [];
    // by metric name: what the group's rules wrote so far in this evaluation
    const produced = new Map<string, Series[]>();
    const store = sharedSelections(base);
    for (let i = 0; i < this.group.rules.length; i++) {
      const rule = this.group.rules[i]!;
      const started = performance.now();
      const queryable = overlay(store, produced);
      let out: OutputSample[] = [];
      try {
        out =
          rule.type === 'record'
            ? await this.#record(rule, ts, queryable)
            : await this.#alert(i, rule, ts, queryable, transitions);
        this.health[i] = { health: 'ok', lastEvaluation: ts, evaluationMs: performance.now() - started };
      } catch (e) {
        this.health[i] = {
          health: 'err',
          lastError: describe(e),
          lastEvaluation: ts,
          evaluationMs: performance.now() - started,
        };
        if (rule.type === 'alert') this.#onError(i, rule, ts, transitions, describe(e));
        // On error Prometheus writes nothing and marks nothing stale: the old series stay until lookback ends.
        continue;
      }
      // Series this rule produced last time but not now end here.
      const now = new Map(out.map((s) => [fingerprint(s.labels), s.labels]));
      for (const [fp, labels] of this.#lastOutput[i]!) {
        if (!now.has(fp)) out.push({ labels, t: ts, v: Number.NaN, stale: true });
      }
      this.#lastOutput[i] = now;
      samples.push(...out);
      for (const s of out) {
        const name = s.labels.__name__ ?? '';
        let list = produced.get(name);
        if (!list) {
          list = [];
          produced.set(name, list);
        }
        list.push({
          labels: s.labels,
          points: [s.stale ? { t: s.t, v: s.v, stale: true } : { t: s.t, v: s.v }],
        });
      }
    }
    return { samples, transitions };
  }

  async #record(rule: RecordingRule, ts: number, q: Queryable): Promise<OutputSample[]> {
    const vec = await this.#query(rule.query.expr, ts, q);
    const out = vec.map((s) => ({
      labels: { ...withoutName(s.labels), ...rule.labels, __name__: rule.name },
      t: ts,
      v: s.v,
    }));
    assertUnique(out.map((s) => s.labels));
    return out;
  }

  async #alert(
    i: number,
    rule: AlertRule,
    ts: number,
    q: Queryable,
    transitions: RuleTransition[],
  ): Promise<OutputSample[]> {
    const vec = await this.#query(rule.query.expr, ts, q);
    let elements: AlertElement[] = vec.map((s) => this.#element(rule, s));
    const previous = this.alerts[i]!;
    if (rule.resolveQuery) {
      // Hysteresis: an alert that is already active stays active until the resolve condition holds.
      const resolved = new Set(
        (await this.#query(rule.resolveQuery.expr, ts, q)).map((s) =>
          fingerprint(this.#element(rule, s).labels),
        ),
      );
      const present = new Set(elements.map((e) => fingerprint(e.labels)));
      for (const [fp, a] of previous) {
        if (a.state !== 'inactive' && !present.has(fp) && !resolved.has(fp)) {
          elements.push({ labels: a.labels, annotations: a.annotations, value: a.value });
        }
      }
    }
    if (!vec.length && rule.noData !== 'ok') {
      elements =
        rule.noData === 'alerting'
          ? [
              {
                labels: this.#element(rule, { labels: {}, v: Number.NaN }).labels,
                annotations: {},
                value: Number.NaN,
              },
            ]
          : [...previous.values()]
              .filter((a) => a.state !== 'inactive')
              .map((a) => ({ labels: a.labels, annotations: a.annotations, value: a.value }));
    }
    if (this.group.limit > 0 && elements.length > this.group.limit) {
      this.alerts[i] = new Map();
      throw new Error(`exceeded limit of ${this.group.limit} with ${elements.length} alerts`);
    }
    const active = this.#step(i, rule, elements, ts, transitions);
    const out: OutputSample[] = [];
    for (const a of active.values()) {
      if (a.state === 'inactive') continue;
      out.push({ labels: { ...a.labels, __name__: 'ALERTS', alertstate: a.state }, t: ts, v: 1 });
      out.push({ labels: { ...a.labels, __name__: 'ALERTS_FOR_STATE' }, t: ts, v: a.activeAt / 1000 });
    }
    return out;
  }

  #onError(i: number, rule: AlertRule, ts: number, transitions: RuleTransition[], message: string) {
    if (rule.onError === 'keep_last_state') return;
    const elements =
      rule.onError === 'alerting'
        ? [
            {
              labels: this.#element(rule, { labels: {}, v: Number.NaN }).labels,
              annotations: { error: message },
              value: Number.NaN,
            },
          ]
        : [];
    this.#step(i, rule, elements, ts, transitions, `evaluation failed: ${message}`);
  }

  /** One step of rule i's alerts; its transitions carry the rule, and `reason` when given. */
  #step(
    i: number,
    rule: AlertRule,
    elements: AlertElement[],
    ts: number,
    transitions: RuleTransition[],
    reason?: string,
  ): Map<string, ActiveAlert> {
    const step = stepAlerts(this.alerts[i]!, elements, ts, rule);
    this.alerts[i] = step.active;
    for (const t of step.transitions) {
      transitions.push({
        ...t,
        reason: reason ?? t.reason,
        rule: rule.name,
        group: this.group.name,
        annotations: step.active.get(t.fingerprint)?.annotations ?? {},
      });
    }
    return step.active;
  }

  #element(rule: AlertRule, s: Vec): AlertElement {
    const data = { labels: withoutName(s.labels), value: s.v };
    const labels: Record<string, string> = { ...data.labels };
    for (const [k, t] of Object.entries(rule.labels)) labels[k] = t.expand(data);
    labels.alertname = rule.name;
    const annotations: Record<string, string> = {};
    for (const [k, t] of Object.entries(rule.annotations)) annotations[k] = t.expand(data);
    return { labels, annotations, value: s.v };
  }

  async #query(expr: Parameters<typeof instantQuery>[1], ts: number, q: Queryable): Promise<Vec[]> {
    const value = await instantQuery(q, expr, ts - this.group.queryOffsetMs, {
      subqueryStepMs: this.#subqueryStepMs,
      ...(this.group.limits ? { limits: this.group.limits } : {}),
    });
    switch (value.type) {
      case 'vector':
        return value.samples.map((s) => ({ labels: s.labels, v: s.v }));
      case 'scalar':
        return [{ labels: {}, v: value.v }];
      default:
        throw new Error(`rule expression must return a vector or a scalar, not a ${value.type}`);
    }
  }

  /**
   * After a restart, take `for` progress back from the ALERTS_FOR_STATE series
   * written before it (within an hour), so an alert that was pending or firing
   * does not start pending again from zero.
   */
  async restore(q: Queryable, ts: number, outageToleranceMs = 3_600_000): Promise<number> {
    let restored = 0;
    for (let i = 0; i < this.group.rules.length; i++) {
      const rule = this.group.rules[i]!;
      if (rule.type !== 'alert' || rule.forMs === 0 || this.alerts[i]!.size) continue;
      const series = await q.select(
        [
          { name: '__name__', type: '=', value: 'ALERTS_FOR_STATE' },
          { name: 'alertname', type: '=', value: rule.name },
        ],
        ts - outageToleranceMs,
        ts,
      );
      for (const s of series) {
        const last = s.points.at(-1);
        if (!last || last.stale) continue;
        const labels = withoutName(s.labels);
        this.alerts[i]!.set(fingerprint(labels), {
          labels,
          annotations: {},
          state: 'pending',
          activeAt: last.v * 1000,
          value: Number.NaN,
        });
        restored++;
      }
    }
    return restored;
  }

  /** Keep the alerts of rules that are unchanged in a reloaded group (same type, name and query). */
  adoptFrom(old: GroupState): void {
    this.group.rules.forEach((rule, i) => {
      const j = old.group.rules.findIndex(
        (r) => r.type === rule.type && r.name === rule.name && r.query.text === rule.query.text,
      );
      if (j < 0) return;
      this.alerts[i] = new Map(old.alerts[j]);
      this.health[i] = old.health[j]!;
      this.#lastOutput[i] = old.#lastOutput[j]!;
    });
  }

  /** Alerts that are pending or firing now, newest state first. */
  /** Every alert of every rule, by fingerprint, including resolved ones still remembered. */
  allAlerts(): Map<string, ActiveAlert> {
    const out = new Map<string, ActiveAlert>();
    for (const m of this.alerts) for (const [fp, a] of m) out.set(fp, a);
    return out;
  }

  activeAlerts(): (ActiveAlert & { rule: string })[] {
    return this.group.rules.flatMap((r, i) =>
      [...this.alerts[i]!.values()]
        .filter((a) => a.state !== 'inactive')
        .map((a) => ({ ...a, rule: r.name })),
    );
  }
}

function withoutName(labels: Labels): Record<string, string> {
  const { __name__: _, ...rest } = labels;
  return rest;
}

function assertUnique(sets: Labels[]) {
  const seen = new Set<string>();
  for (const l of sets) {
    const fp = fingerprint(l);
    if (seen.has(fp))
      throw new Error('vector contains metrics with the same labelset after applying rule labels');
    seen.add(fp);
  }
}

import { labelsKey } from './labels.js';

/**
 * Prometheus's alerting state machine, as a pure function of
 * (previous state, evaluation result, ts): inactive → pending → firing when
 * ts − activeAt ≥ for; a pending alert whose element disappears is dropped;
 * a firing one resolves (kept 15 minutes as inactive so the resolution is
 * re-sent) unless keep_firing_for holds it; every transition has a reason.
 */
export type AlertStateName = 'pending' | 'firing' | 'inactive';

export interface ActiveAlert {
  /** identifying labels: the element's labels without __name__, plus rule labels and alertname */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: AlertStateName;
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  keepFiringSince?: number;
  value: number;
}

export interface AlertElement {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number;
}

export interface Transition {
  fingerprint: string;
  labels: Record<string, string>;
  from: AlertStateName;
  to: AlertStateName;
  at: number;
  value: number;
  reason: string;
}

export interface AlertRuleTiming {
  forMs: number;
  keepFiringForMs: number;
}

/** How long a resolved alert is kept (and re-sent) before it is forgotten. */
export const resolvedRetentionMs = 15 * 60_000;

export function fingerprint(labels: Readonly<Record<string, string>>): string {
  return labelsKey(labels);
}

export class DuplicateAlertError extends Error {
  constructor(labels: Record<string, string>) {
    super(
      `vector contains metrics with the same labelset after applying alert labels: ${JSON.stringify(labels)}`,
    );
  }
}

/**
 * One evaluation. `previous` is not modified; the returned map is the new
 * state. Elements must already carry their final labels and annotations.
 */
export function stepAlerts(
  previous: ReadonlyMap<string, ActiveAlert>,
  elements: readonly AlertElement[],
  ts: number,
  rule: AlertRuleTiming,
): { active: Map<string, ActiveAlert>; transitions: Transition[] } {
  const active = new Map<string, ActiveAlert>();
  for (const [fp, a] of previous) active.set(fp, { ...a });
  const transitions: Transition[] = [];
  const note = (fp: string, a: ActiveAlert, from: AlertStateName, reason: string) =>
    transitions.push({
      fingerprint: fp,
      labels: a.labels,
      from,
      to: a.state,
      at: ts,
      value: a.value,
      reason,
    });

  const present = new Set<string>();
  for (const el of elements) {
    const fp = fingerprint(el.labels);
    if (present.has(fp)) throw new DuplicateAlertError(el.labels);
    present.add(fp);
    const existing = active.get(fp);
    if (existing && existing.state !== 'inactive') {
      existing.value = el.value;
      existing.annotations = el.annotations;
      continue;
    }
    const fresh: ActiveAlert = {
      labels: el.labels,
      annotations: el.annotations,
      state: 'pending',
      activeAt: ts,
      value: el.value,
    };
    active.set(fp, fresh);
    note(fp, fresh, 'inactive', 'condition became true');
  }

  for (const [fp, a] of active) {
    if (!present.has(fp)) {
      let keepFiring = false;
      if (a.state === 'firing' && rule.keepFiringForMs > 0) {
        a.keepFiringSince ??= ts;
        keepFiring = ts - a.keepFiringSince < rule.keepFiringForMs;
      }
      if (a.state === 'pending' || (a.resolvedAt !== undefined && ts - a.resolvedAt > resolvedRetentionMs)) {
        active.delete(fp);
      }
      if (a.state !== 'inactive' && !keepFiring) {
        const from = a.state;
        a.state = 'inactive';
        a.resolvedAt = ts;
        note(
          fp,
          a,
          from,
          from === 'pending'
            ? 'condition became false before `for` elapsed'
            : 'condition no longer true: resolved',
        );
      }
      if (!keepFiring) continue;
    } else {
      a.keepFiringSince = undefined;
    }
    if (a.state === 'pending' && ts - a.activeAt >= rule.forMs) {
      a.state = 'firing';
      a.firedAt = ts;
      note(
        fp,
        a,
        'pending',
        rule.forMs ? `condition held for ${Math.round((ts - a.activeAt) / 1000)}s` : 'condition true',
      );
    }
  }
  return { active, transitions };
}

import type { VigilConfig } from '../config/schema.js';
import { decide } from '../core/windows.js';
import { VigilError } from '../errors.js';
import { alertFingerprint } from '../notify/fingerprint.js';
import type { StoredTransition } from '../store/alerts.js';
import type { ChangeRecord } from '../store/changes.js';
import type { Store } from '../store/store.js';
import { changesOf } from './compiled.js';
import { checkService, getChange } from './records.js';

/**
 * The deploy gate: may this change go out now? Windows and freezes (core/windows.ts), firing
 * alerts of the configured severities for the service, open incidents, and a rollback plan when
 * one is required. The time decided on is the server's clock, and the answer says which it used.
 */

export interface GateRequest {
  service?: string;
  environment?: string;
  change?: number | string;
  /** decide for another instant (planning, tests); default: the server's now */
  at?: number;
  /** break-glass: the face (CLI or HTTP) has already checked the right and says who asks */
  override?: { reason: string; by: string; via: string };
}

export type GateReasonKind =
  | 'freeze'
  | 'deny_window'
  | 'outside_allow'
  | 'alert'
  | 'incident'
  | 'rollback_plan';

export interface GateReason {
  kind: GateReasonKind;
  message: string;
  name?: string;
  until?: string;
}

/** Why an allowed change may go: the allow window it falls in, no window applying, or an override. */
export interface GateAllowance {
  kind: 'window' | 'no_windows' | 'override';
  message: string;
  /** the allow window */
  name?: string;
  /** when that window closes */
  until?: string;
}

export interface GateDecision {
  allowed: boolean;
  /** set when allowed: what allowed it */
  allowed_by: GateAllowance | null;
  reasons: GateReason[];
  /** the server's time when it decided */
  decided_at: string;
  /** the instant decided for: decided_at, or --at */
  evaluated_at: string;
  /** for a denial by windows or freezes: when they next allow a change (other reasons aside) */
  next_open_at: string | null;
  service: string | null;
  environment: string | null;
  change: number | null;
  /** present when a denial was overridden */
  override?: { by: string; via: string; reason: string };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Alerts currently firing, from the store's transitions (any node's), latest per fingerprint. */
export async function firingAlerts(store: Store, now: number): Promise<StoredTransition[]> {
  const history = await store.alerts.history({ from: now - 30 * 86_400_000, to: now, limit: 100_000 });
  const latest = new Map<string, StoredTransition>();
  for (const t of history) if (!latest.has(t.fingerprint)) latest.set(t.fingerprint, t);
  return [...latest.values()].filter((t) => t.to === 'firing');
}

/** An alert belongs to a service through its own `service` label, or its check's. */
export function alertService(
  config: VigilConfig,
  labels: Readonly<Record<string, string>>,
): string | undefined {
  if (labels.service) return labels.service;
  const check = labels.check && config.checks.find((c) => c.name === labels.check);
  return check ? check.labels.service : undefined;
}

export async function gate(
  store: Store,
  config: VigilConfig,
  req: GateRequest,
  now: number,
): Promise<GateDecision> {
  let record: ChangeRecord | undefined;
  if (req.change !== undefined) record = await getChange(store, req.change);
  if (record && req.service !== undefined && req.service !== record.service)
    throw new VigilError('USAGE', `change ${record.id} is for ${record.service}, not ${req.service}`, {
      hint: 'drop --service (the change names it) or pass the right change',
    });
  const service = req.service ?? record?.service;
  const environment = req.environment ?? record?.environment ?? undefined;
  checkService(config, service);
  const at = req.at ?? now;
  if (!Number.isFinite(at))
    throw new VigilError('USAGE', 'not a time to decide for', {
      hint: 'ISO 8601, e.g. 2026-12-01T22:00:00Z',
    });

  const reasons: GateReason[] = [];
  const compiled = changesOf(config);
  const w = decide(at, compiled.windows, compiled.freezes, { service, environment });
  const until = w.nextOpenAt === null ? undefined : iso(w.nextOpenAt);
  // The allow windows that admit a change at next_open_at: the window that opens then.
  const opening =
    w.nextOpenAt === null
      ? []
      : decide(w.nextOpenAt, compiled.windows, compiled.freezes, { service, environment }).active.map(
          (a) => a.name,
        );
  const opens = opening.length ? `"${opening.join('", "')}"` : undefined;
  if (w.rule === 'deny')
    for (const a of w.active)
      reasons.push({
        kind: a.kind === 'freeze' ? 'freeze' : 'deny_window',
        name: a.name,
        until: iso(a.endsAt),
        message:
          `${a.kind === 'freeze' ? 'freeze' : 'deny window'} "${a.name}" is in force until ${iso(a.endsAt)}` +
          (until && until !== iso(a.endsAt)
            ? `; changes may go at ${until}${opens ? ` in ${opens}` : ''}`
            : ''),
      });
  if (w.rule === 'outside-allow')
    reasons.push({
      kind: 'outside_allow',
      ...(until ? { until } : {}),
      ...(opening.length ? { name: opening.join(', ') } : {}),
      message: `outside every allow window${until ? `; the next${opens ? `, ${opens},` : ''} opens at ${until}` : ''}`,
    });

  // Alerts and incidents are facts about now: decided only when deciding for the present.
  const present = Math.abs(at - now) <= 60_000;
  const severities = config.changes.require.no_firing;
  const checkIncidents = present && config.changes.require.no_open_incident;
  const firing = present && (severities.length || checkIncidents) ? await firingAlerts(store, now) : [];
  const ofService = (labels: Readonly<Record<string, string>>) =>
    service === undefined || alertService(config, labels) === service;
  if (present && severities.length)
    for (const t of firing.filter((t) => severities.includes(t.labels.severity ?? '') && ofService(t.labels)))
      reasons.push({
        kind: 'alert',
        name: t.rule,
        message: `${t.labels.severity} alert ${t.rule} is firing${service ? ` for ${service}` : ''} since ${iso(t.at)}`,
      });
  if (checkIncidents) {
    // An incident concerns the service when one of its firing alerts does; one whose alerts
    // cannot be told (none firing, or unknown to this store) counts for every service.
    // incidents hold the notifier's fingerprints, computed from the same labels
    const labelsOf = new Map(firing.map((t) => [alertFingerprint(t.labels), t.labels]));
    for (const a of await store.notifications.alerts()) labelsOf.set(a.fingerprint, a.labels);
    for (const i of await store.incidents.list()) {
      const known = i.alerts.flatMap((f) => {
        const labels = labelsOf.get(f);
        return labels ? [labels] : [];
      });
      if (service !== undefined && known.length && !known.some(ofService)) continue;
      reasons.push({
        kind: 'incident',
        name: String(i.id),
        message: `incident #${i.id} "${i.title}" is ${i.status === 'open' ? 'open' : 'acknowledged, not resolved'}`,
      });
    }
  }
  if (config.changes.require.rollback_plan && !record?.rollback)
    reasons.push({
      kind: 'rollback_plan',
      message: record
        ? `change ${record.id} has no rollback plan`
        : 'a rollback plan is required: name the change record that holds it (--change <id>)',
    });

  const allowed = reasons.length === 0;
  const window = w.rule === 'allow' ? w.active[0] : undefined;
  const decision: GateDecision = {
    allowed,
    allowed_by: !allowed
      ? null
      : window
        ? {
            kind: 'window',
            name: window.name,
            until: iso(window.endsAt),
            message: `inside allow window "${window.name}" until ${iso(window.endsAt)}`,
          }
        : { kind: 'no_windows', message: 'no window or freeze applies to this change' },
    reasons,
    decided_at: iso(now),
    evaluated_at: iso(at),
    next_open_at: w.allowed ? null : (until ?? null),
    service: service ?? null,
    environment: environment ?? null,
    change: record?.id ?? null,
  };
  if (req.override && !decision.allowed) {
    const reason = req.override.reason.trim();
    if (!reason)
      throw new VigilError('USAGE', 'an override needs a reason', {
        hint: 'pass --reason "why this cannot wait"',
      });
    decision.allowed = true;
    decision.override = { by: req.override.by, via: req.override.via, reason };
    decision.allowed_by = { kind: 'override', message: `overridden by ${req.override.by}: ${reason}` };
    await store.changes.event(record?.id ?? null, {
      at: now,
      kind: 'override',
      text: `gate overridden by ${req.override.by}: ${reason}`,
      actor: req.override.by,
      data: { reasons, service: service ?? null, environment: environment ?? null, via: req.override.via },
    });
  } else if (record) {
    await store.changes.event(record.id, {
      at: now,
      kind: 'gate',
      text: decision.allowed ? 'gate: allowed' : `gate: denied (${reasons.map((r) => r.kind).join(', ')})`,
      actor: null,
      data: { allowed: decision.allowed, reasons },
    });
  }
  return decision;
}

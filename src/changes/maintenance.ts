import type { MaintenanceSpec } from '../config/changes.js';
import type { VigilConfig } from '../config/schema.js';
import { occurrences } from '../core/windows.js';
import { createSilence } from '../notify/operations.js';
import type { Store } from '../store/store.js';
import { changesOf } from './compiled.js';

/**
 * Maintenance windows: declared in `changes.maintenance`, they silence their matchers for their
 * duration (as ordinary silences, so they show wherever silences do), appear on the status page
 * as scheduled maintenance, and take their checks' results out of availability.
 */

export interface MaintenanceOccurrence {
  name: string;
  title: string;
  startsAt: number;
  endsAt: number;
  spec: MaintenanceSpec;
}

/** Occurrences overlapping [from, to], in start order. */
export function maintenanceBetween(
  list: readonly MaintenanceSpec[],
  from: number,
  to: number,
): MaintenanceOccurrence[] {
  const out: MaintenanceOccurrence[] = [];
  for (const m of list) {
    const w = m.window;
    if ('cron' in w) {
      // an occurrence that started up to one duration before `from` still overlaps it; two more
      // hours so that a search starting inside an hour repeated by DST misses none
      for (const o of occurrences(w, from - w.durationMs - 2 * 3_600_000, to))
        if (o.endsAt > from)
          out.push({ name: m.name, title: m.title, startsAt: o.startsAt, endsAt: o.endsAt, spec: m });
    } else if (w.endsAt > from && w.startsAt <= to)
      out.push({ name: m.name, title: m.title, startsAt: w.startsAt, endsAt: w.endsAt, spec: m });
  }
  return out.sort((a, b) => a.startsAt - b.startsAt || a.name.localeCompare(b.name));
}

export const maintenanceAuthor = 'vigil:maintenance';
const commentOf = (o: MaintenanceOccurrence) => `maintenance ${o.name}: ${o.title}`;

/**
 * Make sure every occurrence starting within `aheadMs` (or in force now) has its silence. Safe
 * to call on every tick and from several nodes: a silence with the same author, comment and
 * start is not added twice by this process, and a duplicate from a race silences the same alerts.
 */
export async function syncMaintenanceSilences(
  store: Store,
  config: VigilConfig,
  now: number,
  aheadMs = 86_400_000,
): Promise<number> {
  const due = maintenanceBetween(changesOf(config).maintenance, now, now + aheadMs).filter(
    (o) => o.spec.silence.length,
  );
  if (!due.length) return 0;
  const existing = (await store.silences.list(now)).filter((s) => s.createdBy === maintenanceAuthor);
  let added = 0;
  for (const o of due) {
    const comment = commentOf(o);
    if (existing.some((s) => s.comment === comment && s.startsAt === o.startsAt)) continue;
    await createSilence(
      store.silences,
      {
        matchers: o.spec.silence,
        startsAt: o.startsAt,
        endsAt: o.endsAt,
        createdBy: maintenanceAuthor,
        comment,
      },
      now,
    );
    added++;
  }
  return added;
}

/**
 * Scheduled maintenance for the status page: names, titles and times only; the matchers and
 * checks behind them stay internal.
 */
export function scheduledMaintenance(config: VigilConfig, now: number, aheadMs = 30 * 86_400_000) {
  return maintenanceBetween(changesOf(config).maintenance, now, now + aheadMs).map((o) => ({
    name: o.name,
    title: o.title,
    starts_at: new Date(o.startsAt).toISOString(),
    ends_at: new Date(o.endsAt).toISOString(),
    in_progress: o.startsAt <= now && now < o.endsAt,
  }));
}

export interface Availability {
  check: string;
  from: string;
  to: string;
  /** runs outside maintenance that passed (ok or warning) */
  up: number;
  /** runs outside maintenance that failed (critical or unknown) */
  down: number;
  /** runs during a declared maintenance of this check, whatever their status */
  maintenance: number;
  /** up / (up + down); null with no runs outside maintenance */
  ratio_excluding_maintenance: number | null;
  /** up / all runs, maintenance counted as down: the honest worst case */
  ratio_including_maintenance: number | null;
}

/**
 * Availability of one check over [from, to] with its maintenance reported separately, so a
 * declared outage is neither hidden as "up" nor charged as "down".
 */
export async function availability(
  store: Store,
  config: VigilConfig,
  check: string,
  from: number,
  to: number,
): Promise<Availability> {
  const windows = maintenanceBetween(
    changesOf(config).maintenance.filter((m) => m.checks.includes(check)),
    from,
    to,
  );
  const results = await store.results.list(check, from, to, 1_000_000);
  let up = 0;
  let down = 0;
  let maintenance = 0;
  for (const r of results) {
    if (windows.some((w) => w.startsAt <= r.startedAt && r.startedAt < w.endsAt)) maintenance++;
    else if (r.status === 'ok' || r.status === 'warning') up++;
    else down++;
  }
  const all = up + down + maintenance;
  return {
    check,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    up,
    down,
    maintenance,
    ratio_excluding_maintenance: up + down ? up / (up + down) : null,
    ratio_including_maintenance: all ? up / all : null,
  };
}

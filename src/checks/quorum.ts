import type { CheckResult, CheckStatus, Sample } from './types.js';

/**
 * Checks run from several places: each location's result, and the check's
 * verdict by quorum. Pure functions of their inputs (the time is a parameter),
 * so the rules about what counts as down are tested on a fake clock.
 */

/** The location that is the Vigil server itself. */
export const LOCAL = 'local';

/** `majority`, `all`, `any`, or how many locations must fail for the check to be down. */
export type QuorumSpec = 'majority' | 'all' | 'any' | number;

/** How many failing locations make the check down, out of `locations`. */
export function quorumCount(spec: QuorumSpec, locations: number): number {
  if (spec === 'all') return locations;
  if (spec === 'any') return 1;
  if (spec === 'majority') return Math.floor(locations / 2) + 1;
  return spec;
}

/** What one location last said of a check, as far as the verdict is concerned. */
export type LocationState = 'up' | 'down' | 'unknown';

export interface LocationReading {
  location: string;
  /** the location's newest result; absent when it never reported */
  last?: { at: number; status: CheckStatus; durationMs: number; message: string };
}

export interface Verdict {
  status: CheckStatus;
  /** `up`, `degraded` (failing below the quorum), `down` (the quorum agrees), `unknown` (no location reports) */
  state: 'up' | 'degraded' | 'down' | 'unknown';
  message: string;
  quorum: number;
  failing: string[];
  /** locations whose last result is too old, or that never reported */
  missing: string[];
  locations: { location: string; state: LocationState; at?: number; durationMs?: number; message?: string }[];
}

/** A location's state: a result older than `staleMs` says nothing about now. */
export function locationState(reading: LocationReading, now: number, staleMs: number): LocationState {
  const last = reading.last;
  if (!last || now - last.at > staleMs) return 'unknown';
  if (last.status === 'ok' || last.status === 'warning') return 'up';
  // a probe that could not run (unknown) has not seen the service fail
  return last.status === 'critical' ? 'down' : 'unknown';
}

/**
 * The check's verdict: down when at least `quorum` locations see it fail;
 * degraded, naming the failing locations, when some fail but fewer than the
 * quorum; unknown only when no location reports at all. A location that
 * stopped reporting is unknown, never counted as failing: a probe's lost
 * network must not page anyone.
 */
export function quorumVerdict(
  readings: readonly LocationReading[],
  quorum: number,
  now: number,
  staleMs: number,
): Verdict {
  const locations = readings.map((r) => {
    const state = locationState(r, now, staleMs);
    return {
      location: r.location,
      state,
      ...(r.last ? { at: r.last.at, durationMs: r.last.durationMs, message: r.last.message } : {}),
    };
  });
  const failing = locations.filter((l) => l.state === 'down').map((l) => l.location);
  const missing = locations.filter((l) => l.state === 'unknown').map((l) => l.location);
  const reporting = locations.length - missing.length;
  const of = `${failing.length} of ${locations.length}, quorum ${quorum}`;
  const noReport = missing.length ? `; no report from ${missing.join(', ')}` : '';
  const base = { quorum, failing, missing, locations };
  if (failing.length >= quorum) {
    const why = locations.find((l) => l.state === 'down')?.message;
    return {
      ...base,
      status: 'critical',
      state: 'down',
      message: `down in ${failing.join(', ')} (${of})${why ? `: ${why}` : ''}${noReport}`,
    };
  }
  if (reporting === 0) {
    return { ...base, status: 'unknown', state: 'unknown', message: `no location reports${noReport}` };
  }
  if (failing.length > 0) {
    return {
      ...base,
      status: 'warning',
      state: 'degraded',
      message: `degraded: failing in ${failing.join(', ')} (${of})${noReport}`,
    };
  }
  return {
    ...base,
    status: 'ok',
    state: 'up',
    message: `up in ${reporting} of ${locations.length} locations${noReport}`,
  };
}

/**
 * One location's result as the server stores it: every series gains a
 * `location` label, and `up` is renamed `location_up`. The rename is on
 * purpose: the check's own `up{check}` is its verdict, so the guide's
 * `up == 0` pages when the quorum agrees, not when one network has a bad day.
 */
export function atLocation(result: CheckResult, location: string): CheckResult & { location: string } {
  return {
    ...result,
    location,
    samples: result.samples.map(
      (s): Sample => ({
        ...s,
        name: s.name === 'up' ? 'location_up' : s.name,
        labels: { ...s.labels, location },
      }),
    ),
  };
}

/** The series a verdict writes, besides what the check's labels say. */
export function verdictSamples(v: Verdict, labels: Readonly<Record<string, string>>): Sample[] {
  const samples: Sample[] = [
    { name: 'check_locations_failing', labels, value: v.failing.length },
    { name: 'check_locations_unknown', labels, value: v.missing.length },
    { name: 'check_quorum', labels, value: v.quorum },
  ];
  // No location reports: no `up` at all (it goes stale) rather than a 0 that would page.
  if (v.state !== 'unknown') samples.unshift({ name: 'up', labels, value: v.state === 'down' ? 0 : 1 });
  return samples;
}

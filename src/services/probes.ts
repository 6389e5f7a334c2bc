import { createHash } from 'node:crypto';
import {
  atLocation,
  LOCAL,
  type LocationReading,
  quorumVerdict,
  type Verdict,
  verdictSamples,
} from '../checks/quorum.js';
import { checkKinds } from '../checks/registry.js';
import type { CheckKind, CheckResult, CheckStatus, Sample } from '../checks/types.js';
import type { CheckConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { nextDue } from '../core/schedule.js';
import type { JobRunner, ScheduledJob } from '../scheduler/job-runner.js';
import type { AgentContact, LocationResult, ProbeAgent, ProbesRepo } from '../store/probes.js';
import type { TimedSample } from '../store/samples.js';

/** An agent is missing when it has not asked for its checks or pushed for this long (3 polls). */
export const defaultMissingAfterMs = 90_000;
/** How late a location's result may arrive before it stops counting: a push interval and some. */
const pushGraceMs = 30_000;

/** One result as an agent pushes it: numbered, so a batch sent twice is stored once. */
export interface PushedLocationResult {
  seq: number;
  check: string;
  startedAt: number;
  durationMs: number;
  status: CheckStatus;
  message: string;
  samples: { name: string; labels?: Record<string, string>; value: number | null; ts?: number }[];
}

/** What a probe agent is sent: a check as the runner needs it, nothing more. */
export interface ProbeCheck {
  name: string;
  kind: CheckConfig['kind'];
  spec: unknown;
  schedule: CheckConfig['schedule'];
  timeoutMs: number;
  labels: Readonly<Record<string, string>>;
}

export interface ProbeServiceDeps {
  clock: Clock;
  probes: ProbesRepo;
  checks(): readonly CheckConfig[];
  /** where location series go: the write buffer, beside the checks' own */
  recordSamples(samples: TimedSample[]): void;
  runner?: JobRunner;
  missingAfterMs?: number;
  onError?(what: string, e: unknown): void;
}

/**
 * Checks run from several places. The server's own run and the agents'
 * pushed results are stored per location (`location_results`, series with a
 * `location` label); at each of the check's slots the monitor asks for the
 * verdict by quorum, which becomes the check's own result. A location whose
 * newest result is too old is unknown, and an agent silent too long makes
 * `probe_missing{location}` 1: rules decide whether that pages.
 */
export class ProbeService {
  constructor(private readonly deps: ProbeServiceDeps) {}

  get #missingAfterMs(): number {
    return this.deps.missingAfterMs ?? defaultMissingAfterMs;
  }

  /** Every location named by a check, except this server. */
  remoteLocations(): string[] {
    const all = new Set<string>();
    for (const c of this.deps.checks()) for (const l of c.locations ?? []) if (l !== LOCAL) all.add(l);
    return [...all].sort();
  }

  /** The checks a location runs, and a version that changes when they do (the agent's ETag). */
  checksFor(location: string): { version: string; checks: ProbeCheck[] } {
    const checks = this.deps
      .checks()
      .filter((c) => c.locations?.includes(location))
      .map(
        (c): ProbeCheck => ({
          name: c.name,
          kind: c.kind,
          spec: c.spec,
          schedule: c.schedule,
          timeoutMs: c.timeoutMs,
          labels: c.labels,
        }),
      );
    const version = createHash('sha256').update(JSON.stringify(checks)).digest('hex').slice(0, 16);
    return { version, checks };
  }

  contact(agent: AgentContact): Promise<void> {
    return this.deps.probes.contact(agent, this.deps.clock.now());
  }

  /** The server's own run of a check with locations. */
  async local(result: CheckResult): Promise<void> {
    await this.#store(atLocation(result, LOCAL));
  }

  /**
   * A batch from an agent of `location`. Results for checks that location
   * does not run are refused (the config changed under the agent); the series
   * an agent may write are its kind's own, labelled by the server.
   */
  async push(
    agent: AgentContact,
    batch: readonly PushedLocationResult[],
    buffered: number,
  ): Promise<{ stored: number; duplicates: number; refused: number; lastSeq: number }> {
    const checks = new Map(this.deps.checks().map((c) => [c.name, c]));
    const accepted: (LocationResult & { seq: number })[] = [];
    const results = new Map<number, CheckResult & { location: string }>();
    let refused = 0;
    for (const r of batch) {
      const check = checks.get(r.check);
      if (!check?.locations?.includes(agent.location)) {
        refused++;
        continue;
      }
      const result = atLocation(
        {
          check: check.name,
          kind: check.kind,
          status: r.status,
          message: r.message,
          startedAt: r.startedAt,
          durationMs: r.durationMs,
          samples: allowedSamples(check, r.samples),
        },
        agent.location,
      );
      results.set(r.seq, result);
      accepted.push({ ...rowOf(result), seq: r.seq });
    }
    // Refused results count as received too: the agent must not send them again.
    const out = await this.deps.probes.push(agent, accepted, {
      now: this.deps.clock.now(),
      buffered,
      maxSeq: Math.max(0, ...batch.map((r) => r.seq)),
    });
    const samples: TimedSample[] = [];
    for (const row of out.stored) {
      const r = results.get(row.seq);
      if (r) samples.push(...timed(r));
    }
    this.deps.recordSamples(samples);
    return {
      stored: out.stored.filter((r) => results.has(r.seq)).length,
      duplicates: out.duplicates,
      refused,
      lastSeq: out.lastSeq,
    };
  }

  /**
   * The check's result at `at`: its verdict by quorum over every location's newest result.
   * Undefined when no location reports: a verdict nobody could give is not a run, so it adds
   * no result and no down run to the availability; `up{check}` goes stale, the check's page
   * shows each location unknown, and ProbeMissing says why.
   */
  async verdict(check: CheckConfig, at: number): Promise<CheckResult | undefined> {
    const v = await this.view(check, at);
    if (v.state === 'unknown') return undefined;
    const labels = Object.freeze({ check: check.name, ...check.labels });
    const reporting = v.locations.filter((l) => l.state !== 'unknown' && l.durationMs !== undefined);
    const durations = reporting.map((l) => l.durationMs!).sort((a, b) => a - b);
    const median = durations.length ? durations[Math.floor((durations.length - 1) / 2)]! : 0;
    return {
      check: check.name,
      kind: check.kind,
      status: v.status,
      message: v.message,
      startedAt: at,
      durationMs: median,
      samples: verdictSamples(v, labels),
    };
  }

  /** Each location's state of a check, and the verdict. */
  async view(check: CheckConfig, at: number): Promise<Verdict> {
    const latest = new Map<string, LocationResult>();
    try {
      for (const r of await this.deps.probes.latest(check.name)) latest.set(r.location, r);
    } catch (e) {
      this.deps.onError?.(`reading the locations of ${check.name} failed`, e);
    }
    const readings: LocationReading[] = (check.locations ?? []).map((location) => {
      const r = latest.get(location);
      return {
        location,
        ...(r
          ? {
              last: {
                at: r.startedAt,
                status: r.status as CheckStatus,
                durationMs: r.durationMs,
                message: r.message,
              },
            }
          : {}),
      };
    });
    return quorumVerdict(readings, check.quorum ?? 1, at, staleAfter(check, at));
  }

  /** Agents with their state; a location no agent reported from recently is missing. */
  async agents(): Promise<{
    agents: (ProbeAgent & { missing: boolean })[];
    locations: { location: string; agents: number; missing: boolean }[];
  }> {
    const now = this.deps.clock.now();
    const agents = (await this.deps.probes.agents()).map((a) => ({
      ...a,
      missing: now - a.lastContactAt > this.#missingAfterMs,
    }));
    const locations = this.remoteLocations().map((location) => {
      const mine = agents.filter((a) => a.location === location);
      return { location, agents: mine.length, missing: !mine.some((a) => !a.missing) };
    });
    return { agents, locations };
  }

  /** `probe_missing{location}`, written every 15 s while any check has remote locations. */
  jobs(): ScheduledJob[] {
    if (!this.remoteLocations().length) return [];
    return [
      {
        id: 'probes:missing',
        kind: 'gauges',
        // read from the store, so one node's answer is the cluster's: written once, not by every node
        scope: 'once',
        pool: 'tasks',
        missed: 'skip',
        schedule: { type: 'every', everyMs: 15_000 },
        run: async () => {
          const { locations } = await this.agents();
          const ts = this.deps.clock.now();
          this.deps.recordSamples(
            locations.map((l) => ({
              name: 'probe_missing',
              labels: { location: l.location },
              value: l.missing ? 1 : 0,
              ts,
            })),
          );
          const missing = locations.filter((l) => l.missing).map((l) => l.location);
          return { ok: true, ...(missing.length ? { message: `missing: ${missing.join(', ')}` } : {}) };
        },
      },
    ];
  }

  /** Register (or, after a reload, replace) this service's jobs with the runner. */
  reload(): void {
    this.deps.runner?.set('probes', this.jobs());
  }

  async #store(result: CheckResult & { location: string }): Promise<void> {
    try {
      await this.deps.probes.record([rowOf(result)]);
    } catch (e) {
      this.deps.onError?.(`storing ${result.check}@${result.location} failed`, e);
      return;
    }
    this.deps.recordSamples(timed(result));
  }
}

/**
 * A location result older than this says nothing about now: two of the check's
 * intervals (the verdict at a slot sees the previous slot's remote results) and
 * a push's delay.
 */
export function staleAfter(check: CheckConfig, at: number): number {
  if (check.schedule.type === 'every') return 2 * check.schedule.everyMs + pushGraceMs;
  const next = nextDue(check.schedule, check.name, at);
  const after = nextDue(check.schedule, check.name, next);
  return 2 * (after - next) + pushGraceMs;
}

function rowOf(r: CheckResult & { location: string }): LocationResult {
  return {
    check: r.check,
    location: r.location,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    status: r.status,
    message: r.message,
  };
}

function timed(r: CheckResult): TimedSample[] {
  return r.samples.map((s) => ({ ...s, ts: s.ts ?? r.startedAt }));
}

/**
 * The series a probe may write for a check: `up`, `check_duration_seconds` and
 * its kind's own, labelled with the check's labels as the server has them. A
 * probe's token can therefore never write another check's series or a verdict.
 */
function allowedSamples(check: CheckConfig, samples: PushedLocationResult['samples']): Sample[] {
  const kind = checkKinds[check.kind] as CheckKind<unknown>;
  const names = new Set(['up', 'check_duration_seconds', ...(kind.series ?? [])]);
  const out: Sample[] = [];
  for (const s of samples) {
    if (!names.has(s.name)) continue;
    const stale = s.value === null;
    out.push({
      name: s.name,
      labels: { ...s.labels, ...check.labels, check: check.name },
      value: stale ? Number.NaN : s.value!,
      ...(stale ? { stale: true as const } : {}),
      ...(s.ts === undefined ? {} : { ts: s.ts }),
    });
  }
  return out;
}

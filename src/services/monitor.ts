import { LOCAL } from '../checks/quorum.js';
import { checkKinds } from '../checks/registry.js';
import { resultOf, runCheck } from '../checks/runner.js';
import {
  answered,
  type CheckKind,
  type CheckResult,
  type CheckStateHandle,
  type HeartbeatReader,
  type KindOutcome,
  type Sample,
} from '../checks/types.js';
import type { CheckConfig } from '../config/schema.js';
import { cacheKey } from '../core/cache-key.js';
import type { Clock } from '../core/clock.js';
import { JobRunner, type ScheduledJob } from '../scheduler/job-runner.js';
import type { RunInfo, SchedulerStats } from '../scheduler/scheduler.js';
import type { SchedulerDriver } from '../scheduler/types.js';

export interface LatestSample extends Sample {
  ts: number;
}

export interface MonitorDeps {
  clock: Clock;
  heartbeats: HeartbeatReader;
  /** persisted per-check state (the store's `state` repo in the daemon); in memory when absent */
  state?: {
    get(owner: string): Promise<unknown>;
    set(owner: string, key: string, value: unknown): Promise<void>;
  };
  /** where results go: the store's write buffer in the daemon */
  record(result: CheckResult): void;
  concurrency: number;
  /** the daemon's one job runner; a runner of its own when absent (the CLI, tests) */
  runner?: JobRunner;
  /** for a runner of its own */
  driver?: SchedulerDriver;
  onStart?(info: RunInfo): void;
  /**
   * Checks with `locations`: the server's own run goes here as the `local` location's result, and
   * the check's recorded result is the verdict by quorum over every location. Absent (the CLI):
   * such a check runs here once, like any other.
   */
  locations?: {
    local(result: CheckResult): Promise<void>;
    /** undefined when no location reports: nothing is known, so nothing is recorded (not a down run) */
    verdict(check: CheckConfig, at: number): Promise<CheckResult | undefined>;
  };
}

/**
 * The tick pipeline: the scheduler says a check is due → run it → keep its
 * latest samples for /metrics → hand the result to the recorder.
 */
export class Monitor {
  readonly runner: JobRunner;
  readonly #ownRunner: boolean;
  #checks = new Map<string, CheckConfig>();
  #memo = new Map<string, Record<string, unknown>>();
  #latest = new Map<string, Map<string, LatestSample>>();
  #lastResult = new Map<string, CheckResult>();

  constructor(private readonly deps: MonitorDeps) {
    this.#ownRunner = !deps.runner;
    this.runner =
      deps.runner ??
      new JobRunner({
        clock: deps.clock,
        ...(deps.driver ? { driver: deps.driver } : {}),
        pools: {
          checks: { concurrency: deps.concurrency },
          rules: { concurrency: 1 },
          tasks: { concurrency: 1 },
        },
        onStart: (info) => deps.onStart?.(info),
      });
  }

  /** the check pool's counters, for /metrics */
  get stats(): SchedulerStats {
    return this.runner.stats('checks');
  }

  get checks(): CheckConfig[] {
    return [...this.#checks.values()];
  }

  start(checks: readonly CheckConfig[]): void {
    this.reload(checks);
    if (this.#ownRunner) this.runner.start();
  }

  /** Swap in a new, already validated set of checks (SIGHUP). */
  reload(checks: readonly CheckConfig[]): void {
    this.#setChecks(checks);
    this.runner.set('checks', this.#jobs());
  }

  /** Stops the runner it owns; the daemon stops its shared runner itself. */
  async stop(deadlineMs: number): Promise<void> {
    if (this.#ownRunner) await this.runner.stop(deadlineMs);
    else this.runner.set('checks', []);
  }

  runOne(check: CheckConfig, signal?: AbortSignal): Promise<CheckResult> {
    return runCheck(
      check,
      {
        clock: this.deps.clock,
        heartbeats: this.deps.heartbeats,
        memo: (name) => {
          const m = this.#memo.get(name) ?? {};
          this.#memo.set(name, m);
          return m;
        },
        state: this.deps.state ? (name) => this.#state(name) : undefined,
      },
      signal,
    );
  }

  /** Run a configured check now, outside its schedule, and record it (a heartbeat ping does this). */
  async runNow(name: string): Promise<CheckResult | undefined> {
    const check = this.#checks.get(name);
    if (!check) return undefined;
    const result = await this.runOne(check);
    this.#accept(result);
    return result;
  }

  /** Record a result made elsewhere (`POST …/external`) for a configured check, as a run's would be. */
  acceptPushed(name: string, outcome: KindOutcome, startedAt: number): CheckResult | undefined {
    const check = this.#checks.get(name);
    if (!check) return undefined;
    const memo = this.#memo.get(name) ?? {};
    this.#memo.set(name, memo);
    const result = resultOf(check, outcome, startedAt, outcome.durationMs ?? 0, memo);
    this.#accept(result);
    return result;
  }

  #state(name: string): CheckStateHandle {
    const store = this.deps.state!;
    const owner = `check:${name}`;
    return { get: () => store.get(owner), set: (value) => store.set(owner, '', value) };
  }

  /** The newest value of every series of every configured check. */
  latestSamples(): LatestSample[] {
    return [...this.#latest.values()].flatMap((m) => [...m.values()]);
  }

  lastResult(name: string): CheckResult | undefined {
    return this.#lastResult.get(name);
  }

  #accept(result: CheckResult): void {
    if (!this.#checks.has(result.check)) return;
    // Samples live in #latest; the last result keeps only what the API shows.
    this.#lastResult.set(result.check, { ...result, samples: [] });
    // A series the check no longer reports ends with the run that dropped it: a
    // staleness marker, as Prometheus writes when a series leaves a scrape.
    const previous = this.#latest.get(result.check);
    const fresh = new Map<string, LatestSample>();
    for (const s of result.samples) fresh.set(cacheKey(s.name, s.labels), { ...s, ts: result.startedAt });
    const ended = previous
      ? [...previous].filter(([key]) => !fresh.has(key)).map(([, s]) => staleMarker(s))
      : [];
    this.#latest.set(result.check, fresh);
    this.deps.record(ended.length ? { ...result, samples: [...result.samples, ...ended] } : result);
  }

  #setChecks(checks: readonly CheckConfig[]): void {
    this.#checks = new Map(checks.map((c) => [c.name, c]));
    // A removed check writes no staleness markers (that would need a run that did not happen):
    // its series fall out of queries after the 5-minute lookback.
    for (const name of [...this.#latest.keys()]) {
      if (this.#checks.has(name)) continue;
      this.#latest.delete(name);
      this.#memo.delete(name);
      this.#lastResult.delete(name);
    }
  }

  #jobs(): ScheduledJob[] {
    // Missed runs are skipped: a check result for a past moment says nothing about now.
    const locations = this.deps.locations;
    const pushed = (c: CheckConfig) => (checkKinds[c.kind] as CheckKind<unknown>).pushed === true;
    return this.checks
      .filter((c) => !pushed(c))
      .map((c) => ({
        id: `check:${c.name}`,
        phaseKey: c.name,
        kind: 'check',
        pool: 'checks',
        missed: 'skip',
        schedule: c.schedule,
        run: async (info) => {
          const check = this.#checks.get(c.name);
          if (!check) return;
          if (locations && check.locations) {
            if (check.locations.includes(LOCAL)) await locations.local(await this.runOne(check, info.signal));
            const verdict = await locations.verdict(check, this.deps.clock.now());
            if (!verdict) return { ok: true, message: 'no location reports' };
            this.#accept(verdict);
            return { ok: verdict.status !== 'critical', message: verdict.message };
          }
          const result = await this.runOne(check, info.signal);
          this.#accept(result);
          // The job failed when the target could not be reached; a busy host answered (Critical, not Down).
          return {
            ok: result.status !== 'critical' || answered(result),
            ...(result.message ? { message: result.message } : {}),
          };
        },
      }));
  }
}

function staleMarker(s: LatestSample): Sample {
  return { name: s.name, labels: s.labels, value: Number.NaN, stale: true };
}

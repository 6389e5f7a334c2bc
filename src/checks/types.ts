import type { z } from 'zod';

export type CheckStatus = 'ok' | 'warning' | 'critical' | 'unknown';

/** One value of one series, as a check observed it. */
export interface Sample {
  name: string;
  labels?: Readonly<Record<string, string>>;
  value: number;
  /** a staleness marker: set by the recorder when a series disappears, never by a kind */
  stale?: true;
  /** the exposition's own timestamp (ms), which a scrape honours as Prometheus does; else the run's start */
  ts?: number;
  /** TYPE and HELP of a scraped sample's family, so Vigil's /metrics re-exposes it as the target did */
  meta?: SampleMeta;
}

/** One family's metadata, shared by all its samples of a scrape. */
export interface SampleMeta {
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';
  help?: string;
  /** the family a `_bucket`, `_sum` or `_count` series belongs to */
  family: string;
}

/** What a kind reports: facts, never a thrown exception. */
export interface KindOutcome {
  status: CheckStatus;
  message: string;
  /** the kind's own measure of the probe, when it knows better than the runner's stopwatch */
  durationMs?: number;
  samples?: Sample[];
  /**
   * Whether the probe ran and the target answered, when the status says more than that: a host
   * at 97% CPU is critical but up. Default: up when the status is ok or warning.
   */
  up?: boolean;
}

/** What the runner records for every run of every kind. */
export interface CheckResult {
  check: string;
  kind: string;
  status: CheckStatus;
  message: string;
  startedAt: number;
  durationMs: number;
  samples: Sample[];
  /** the place that ran it, for a check run from several locations; absent: the check's own result */
  location?: string;
  /**
   * Whether the probe ran and the target answered (the `up` sample): a busy host is critical
   * but up. Absent: up when the status is ok or warning.
   */
  up?: boolean;
}

/** A run reached its target: what availability counts and what tells "Critical" from "Down". */
export function answered(r: { status: string; up?: boolean | null }): boolean {
  return r.up ?? (r.status === 'ok' || r.status === 'warning');
}

export interface HeartbeatPing {
  at: number;
  type: 'start' | 'ok' | 'fail';
  message?: string;
}

/** Read access to pushed pings, so a heartbeat check can judge them without knowing the store. */
export interface HeartbeatReader {
  last(check: string): Promise<{ ping?: HeartbeatPing; lastStart?: HeartbeatPing } | undefined>;
}

/**
 * One JSON value a check keeps across restarts (a log check's offsets). In the
 * daemon it lives in the store; elsewhere (tests, one-off runs without a store)
 * in memory.
 */
export interface CheckStateHandle {
  get(): Promise<unknown>;
  set(value: unknown): Promise<void>;
}

export interface CheckContext {
  /** the check's name from vigil.yaml */
  name: string;
  /** aborted when the run times out or Vigil shuts down; kinds pass it on to their I/O */
  signal: AbortSignal;
  timeoutMs: number;
  now(): number;
  /** memory a kind keeps between runs of one check (e.g. the previous CPU counters) */
  memo: Record<string, unknown>;
  heartbeats: HeartbeatReader;
  /** persisted state, for kinds that must resume where they stopped */
  state: CheckStateHandle;
}

/**
 * A check kind: the schema of its block in vigil.yaml and how to run it.
 * One file per kind, one line in `registry.ts`.
 *
 * @example
 *   export const tcp: CheckKind<TcpSpec> = {
 *     schema: z.strictObject({ host: z.string(), port: z.number().int() }),
 *     target: (s) => `${s.host}:${s.port}`,
 *     run: async (spec, ctx) => ({ status: 'ok', message: 'connected' }),
 *   };
 */
export interface CheckKind<Spec> {
  schema: z.ZodType<Spec, any>;
  /** a short description of what is probed, for tables and the API */
  target(spec: Spec): string;
  run(spec: Spec, ctx: CheckContext): Promise<KindOutcome>;
  /**
   * The series names the kind records (besides `up` and `check_duration_seconds`), so `vigil
   * validate` can warn about a rule on a series nothing produces. Absent: any name (a scrape).
   */
  series?: readonly string[];
  /**
   * Results of this kind are made elsewhere and pushed to Vigil (`POST /api/v1/checks/<name>/external`):
   * the monitor schedules no runs for it.
   */
  pushed?: true;
}

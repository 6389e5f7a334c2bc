import type { Clock } from '../core/clock.js';
import type { Schedule } from '../core/schedule.js';
import { describe } from '../errors.js';
import { LocalDriver } from './local-driver.js';
import { type RunInfo, Scheduler, type SchedulerStats } from './scheduler.js';
import type { Job, JobScope, MissedRunPolicy, SchedulerDriver } from './types.js';

/** Every kind of timed work Vigil does; `vigil jobs` shows it beside each job. */
export type JobKind =
  | 'check'
  | 'rule-group'
  | 'backup'
  | 'verify'
  | 'maintenance'
  | 'routine'
  | 'report-delivery'
  | 'rotation'
  | 'retention'
  | 'changes'
  | 'gauges'
  | 'escalation'
  /** a probe agent's own work: fetching its checks, pushing its results */
  | 'probe';

/**
 * Executors with slots of their own, so slow work never delays fast work:
 * checks, rule groups (alerts are never late behind a slow check), and tasks
 * (backups, restore tests, maintenance, routines, housekeeping).
 */
export type PoolName = 'checks' | 'rules' | 'tasks';

/**
 * The phase key of periodic housekeeping (gauges, report delivery, change reminders, rotation,
 * retention): jobs of one interval fall due at the same instant, so the daemon wakes once a
 * minute for all of them instead of once per job.
 */
export const HOUSEKEEPING = 'housekeeping';

/** Where each kind runs in a cluster (see JobScope); a job may say otherwise. */
const scopeOfKind: Record<JobKind, JobScope> = {
  check: 'shard',
  'rule-group': 'leader',
  backup: 'once',
  verify: 'once',
  maintenance: 'once',
  routine: 'once',
  'report-delivery': 'once',
  rotation: 'once',
  retention: 'once',
  changes: 'once',
  gauges: 'local',
  escalation: 'once',
  // an agent has no cluster: it runs its own fetch and push
  probe: 'local',
};

export interface JobOutcome {
  ok: boolean;
  message?: string;
}

/**
 * One piece of timed work. `run` honours `info.signal` and reports its outcome;
 * a throw counts as a failed run with the error's message.
 *
 * @example
 *   runner.set('backups', [{ id: 'backup:orders', kind: 'backup', pool: 'tasks', missed: 'run-once',
 *     schedule: { type: 'cron', expr: '0 2 * * *', timezone: 'UTC' }, run: () => backup('orders') }]);
 */
export interface ScheduledJob extends Job {
  kind: JobKind;
  pool: PoolName;
  missed: MissedRunPolicy;
  run(info: RunInfo): Promise<JobOutcome | undefined>;
}

export interface LastRun {
  dueAt: number;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  message?: string;
}

/** What the store keeps of a job, so missed slots and last runs survive a restart. */
export interface JobRecord {
  id: string;
  kind: string;
  firstSeenAt: number;
  last?: LastRun;
}

export interface JobHistory {
  load(): Promise<JobRecord[]>;
  /** the job was registered for the first time: missed slots count from here */
  seen(id: string, kind: string, at: number): Promise<void>;
  finished(id: string, kind: string, run: LastRun): Promise<void>;
}

export interface JobStatus {
  id: string;
  kind: JobKind;
  schedule: Schedule;
  missed: MissedRunPolicy;
  nextRunAt: number | undefined;
  running: boolean;
  last: LastRun | undefined;
}

export interface JobRunnerOptions {
  clock: Clock;
  driver?: SchedulerDriver;
  pools: Record<PoolName, { concurrency: number; slowAfterMs?: number }>;
  /** persisted last runs; checks are left out (their results are their history) */
  history?: JobHistory;
  onStart?(info: RunInfo, job: ScheduledJob): void;
  onError?(message: string, error: unknown): void;
}

/**
 * The one job runner: every timed job in Vigil is registered here by its owner
 * (the checks, the rules, the backups…), one driver decides when each is due,
 * and the pools run them. Owners replace their own jobs on reload.
 */
export class JobRunner {
  readonly #driver: SchedulerDriver;
  readonly #pools: Record<PoolName, Scheduler>;
  #owners = new Map<string, ScheduledJob[]>();
  #jobs = new Map<string, ScheduledJob>();
  #records = new Map<string, JobRecord>();
  /** when each frequent job's last run was written to the history */
  #persistedAt = new Map<string, number>();
  #started = false;

  constructor(private readonly opts: JobRunnerOptions) {
    this.#driver = opts.driver ?? new LocalDriver(opts.clock);
    const pool = (name: PoolName) =>
      new Scheduler({
        clock: opts.clock,
        concurrency: opts.pools[name].concurrency,
        ...(opts.pools[name].slowAfterMs !== undefined ? { slowAfterMs: opts.pools[name].slowAfterMs } : {}),
        onStart: (info) => {
          const job = this.#jobs.get(info.job.id);
          if (job) opts.onStart?.(info, job);
        },
        run: (info) => this.#run(info),
      });
    this.#pools = { checks: pool('checks'), rules: pool('rules'), tasks: pool('tasks') };
  }

  /** A runner for a service used on its own (the CLI, a test): one slot per pool, no history. */
  static standalone(clock: Clock, concurrency = 1): JobRunner {
    const pool = { concurrency };
    return new JobRunner({ clock, pools: { checks: pool, rules: pool, tasks: pool } });
  }

  /** Read the persisted history once, before the first `set`, so missed slots are known. */
  async open(): Promise<void> {
    if (!this.opts.history) return;
    for (const r of await this.opts.history.load()) this.#records.set(r.id, r);
  }

  /** Replace the jobs `owner` registered; unchanged jobs keep their slot. */
  set(owner: string, jobs: readonly ScheduledJob[]): void {
    const now = this.opts.clock.now();
    for (const old of this.#owners.get(owner) ?? []) this.#jobs.delete(old.id);
    const mine: ScheduledJob[] = [];
    for (const job of jobs) {
      if (this.#jobs.has(job.id)) {
        this.opts.onError?.(`job ${job.id} is registered twice; the second is ignored`, undefined);
        continue;
      }
      const scoped = { ...job, scope: job.scope ?? scopeOfKind[job.kind] };
      const withHistory =
        job.missed === 'run-once' ? { ...scoped, handledUntil: this.#handledUntil(job, now) } : scoped;
      mine.push(withHistory);
      this.#jobs.set(job.id, withHistory);
    }
    this.#owners.set(owner, mine);
    if (this.#started) this.#driver.update([...this.#jobs.values()]);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#driver.start([...this.#jobs.values()], (job, dueAt) => {
      const current = this.#jobs.get(job.id);
      if (current) this.#pools[current.pool].dispatch(current, dueAt);
    });
  }

  /** Stop arming; runs in flight get until the deadline, then their abort signal. */
  async stop(deadlineMs: number): Promise<void> {
    this.#started = false;
    this.#driver.stop();
    await Promise.all(Object.values(this.#pools).map((p) => p.stop(deadlineMs)));
  }

  /** resolves when no job runs in any pool (tests, and a clean stop) */
  async idle(): Promise<void> {
    const pools = Object.values(this.#pools);
    while (pools.some((p) => p.stats.running > 0)) await Promise.all(pools.map((p) => p.idle()));
  }

  stats(pool: PoolName): SchedulerStats {
    return this.#pools[pool].stats;
  }

  /** Every job, its next slot and its last run: what `vigil jobs` and the API show. */
  list(): JobStatus[] {
    return [...this.#jobs.values()]
      .map((job) => ({
        id: job.id,
        kind: job.kind,
        schedule: job.schedule,
        missed: job.missed,
        nextRunAt: this.#driver.nextDueOf(job.id),
        running: this.#pools[job.pool].busy(job.id),
        last: this.#records.get(job.id)?.last,
      }))
      .sort((a, b) => (a.nextRunAt ?? Number.POSITIVE_INFINITY) - (b.nextRunAt ?? Number.POSITIVE_INFINITY));
  }

  #handledUntil(job: ScheduledJob, now: number): number {
    const rec = this.#records.get(job.id);
    if (rec) return rec.last?.dueAt ?? rec.firstSeenAt;
    // First seen now: nothing before this moment was ever due.
    this.#records.set(job.id, { id: job.id, kind: job.kind, firstSeenAt: now });
    this.opts.history
      ?.seen(job.id, job.kind, now)
      .catch((e) => this.opts.onError?.(`recording job ${job.id} failed`, e));
    return now;
  }

  async #run(info: RunInfo): Promise<void> {
    const job = this.#jobs.get(info.job.id);
    if (!job) return;
    let outcome: JobOutcome;
    try {
      outcome = (await job.run(info)) ?? { ok: true };
    } catch (e) {
      outcome = { ok: false, message: describe(e) };
    }
    const run: LastRun = {
      dueAt: info.dueAt,
      startedAt: info.startedAt,
      endedAt: this.opts.clock.now(),
      ok: outcome.ok,
      ...(outcome.message ? { message: outcome.message } : {}),
    };
    const rec = this.#records.get(job.id) ?? { id: job.id, kind: job.kind, firstSeenAt: info.startedAt };
    rec.last = run;
    this.#records.set(job.id, rec);
    // A check's results are its history; recording every run of every check would double the
    // writes. Frequent jobs (rule groups, housekeeping) are recorded at most once a minute, unless
    // they failed; a run-once job's every run is recorded, since its missed slots count from it.
    if (job.kind === 'check') return;
    const due =
      job.missed === 'run-once' || !run.ok || run.endedAt - (this.#persistedAt.get(job.id) ?? 0) >= 60_000;
    if (!due) return;
    this.#persistedAt.set(job.id, run.endedAt);
    await this.opts.history
      ?.finished(job.id, job.kind, run)
      .catch((e) => this.opts.onError?.(`recording job ${job.id} failed`, e));
  }
}

/** `every 30s`, or the cron expression with its time zone. */
export function scheduleText(s: Schedule): string {
  if (s.type === 'every') return `every ${formatEvery(s.everyMs)}`;
  return s.timezone ? `${s.expr} (${s.timezone})` : s.expr;
}

function formatEvery(ms: number): string {
  const units: [number, string][] = [
    [604_800_000, 'w'],
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

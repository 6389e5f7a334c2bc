import type { Sample } from '../checks/types.js';
import type { LoadedConfig } from '../config/loader.js';
import type { Routine } from '../config/routines.js';
import type { Clock } from '../core/clock.js';
import { describe } from '../errors.js';
import { renderReport } from '../routines/reports/render.js';
import { summaryText, titleOf } from '../routines/reports/words.js';
import { reportOf, runRoutine } from '../routines/runner.js';
import type { ChangeSource } from '../routines/steps/types.js';
import type { Section } from '../routines/types.js';
import { HOUSEKEEPING, type JobOutcome, JobRunner, type ScheduledJob } from '../scheduler/job-runner.js';
import type { Store } from '../store/store.js';

/** What a delivered report becomes: one announcement per channel, deduplicated by key. */
export interface ReportMessage {
  /** report.<routine> */
  kind: string;
  channels: string[];
  key: string;
  title: string;
  text: string;
  html?: string;
  link?: string;
}

export interface RoutineSchedulerDeps {
  store: Store;
  clock: Clock;
  config(): LoadedConfig;
  /** hands a finished run's report to the notifiers */
  announce(msg: ReportMessage): Promise<void>;
  changes?: ChangeSource;
  log: { info(o: object, m: string): void; error(o: object, m: string): void };
  /** the daemon's one job runner; a runner of its own when absent (tests) */
  runner?: JobRunner;
  /** where the newest runs' step series go (the store's write buffer), for alert rules */
  recordSamples?(samples: (Sample & { ts: number })[]): void;
}

const deliverEveryMs = 60_000;
/** Step series are re-recorded this often, so rules see them within their 5-minute lookback. */
const seriesEveryMs = 60_000;
/** and re-read from the store this often, for runs another process (the CLI) made */
const seriesRefreshMs = 5 * 60_000;

/** The link people follow from a chat message to the whole report. */
export function reportLink(loaded: LoadedConfig, runId: string): string | undefined {
  const base = loaded.config.notifications.external_url.replace(/\/+$/, '');
  return base ? `${base}/api/v1/routines/runs/${encodeURIComponent(runId)}/report?format=html` : undefined;
}

/**
 * Registers each routine's cron with the job runner. A slot missed while Vigil
 * was down runs once at start, for the newest missed slot (its run id names
 * that slot, so two nodes or a restart never run it twice). A run without
 * manual steps is delivered at once; one with manual steps when its last step
 * is signed off (by the API in this process or the CLI in another: undelivered
 * runs are looked for every minute), or when the next run of the routine
 * closes it.
 */
export class RoutineScheduler {
  #deps: RoutineSchedulerDeps;
  readonly #runner: JobRunner;
  readonly #ownRunner: boolean;
  #busy = new Map<string, Promise<void>>();
  #delivering: Promise<void> | undefined;
  #abort = new AbortController();
  #routines: readonly Routine[] = [];
  #refreshedAt = Number.NEGATIVE_INFINITY;
  /** the newest run's step series of each configured routine, labelled, for rules and /metrics */
  series: Sample[] = [];
  /** each run's series by run id: a run's automated steps never change once it is written */
  #seen = new Map<string, Sample[]>();

  constructor(deps: RoutineSchedulerDeps) {
    this.#deps = deps;
    this.#ownRunner = !deps.runner;
    this.#runner = deps.runner ?? JobRunner.standalone(deps.clock, 4);
  }

  start(routines: readonly Routine[]): void {
    this.reload(routines);
    void this.deliver();
    if (this.#deps.recordSamples) void this.refreshSeries();
    if (this.#ownRunner) this.#runner.start();
  }

  reload(routines: readonly Routine[]): void {
    this.#routines = routines;
    const jobs: ScheduledJob[] = routines.map((routine) => ({
      id: `routine:${routine.name}`,
      phaseKey: routine.name,
      kind: 'routine',
      pool: 'tasks',
      missed: 'run-once',
      schedule: { type: 'cron', expr: routine.cron, timezone: routine.timezone },
      run: (info) => this.run(routine, info.dueAt),
    }));
    jobs.push({
      id: 'deliver:reports',
      phaseKey: HOUSEKEEPING,
      kind: 'report-delivery',
      pool: 'tasks',
      missed: 'skip',
      schedule: { type: 'every', everyMs: deliverEveryMs },
      run: async () => {
        await this.deliver();
        return { ok: true };
      },
    });
    if (this.#deps.recordSamples)
      jobs.push({
        id: 'gauges:routines',
        phaseKey: HOUSEKEEPING,
        kind: 'gauges',
        pool: 'tasks',
        missed: 'skip',
        schedule: { type: 'every', everyMs: seriesEveryMs },
        run: async () => {
          if (this.#deps.clock.now() - this.#refreshedAt >= seriesRefreshMs) await this.refreshSeries();
          else this.#recordSeries();
          return { ok: true };
        },
      });
    this.#runner.set('routines', jobs);
  }

  #recordSeries(): void {
    const ts = this.#deps.clock.now();
    if (this.series.length) this.#deps.recordSamples?.(this.series.map((s) => ({ ...s, ts })));
  }

  /** The step series of each configured routine's newest run, read from the store and recorded. */
  async refreshSeries(): Promise<void> {
    this.#refreshedAt = this.#deps.clock.now();
    try {
      this.series = await routineSeries(this.#deps.store, this.#routines, this.#seen);
      this.#recordSeries();
    } catch (e) {
      this.#deps.log.error({ err: describe(e) }, "reading the routines' step series failed");
    }
  }

  /** one run of a routine (skipped while its previous run's steps are still running) */
  run(routine: Routine, scheduledAt?: number): Promise<JobOutcome> {
    const running = this.#busy.get(routine.name);
    if (running) {
      this.#deps.log.error(
        { routine: routine.name },
        'skipped: the previous run of this routine is still running',
      );
      return running.then(() => ({ ok: false, message: 'skipped: the previous run was still running' }));
    }
    const { store, clock, config } = this.#deps;
    const p = runRoutine(
      { store, loaded: config(), ...(this.#deps.changes ? { changes: this.#deps.changes } : {}) },
      routine,
      {
        now: clock.now(),
        ...(scheduledAt !== undefined ? { scheduledAt } : {}),
        signal: this.#abort.signal,
      },
    )
      .then(async ({ run, created }): Promise<JobOutcome> => {
        if (created) {
          this.#deps.log.info({ routine: routine.name, run: run.id, status: run.status }, 'routine ran');
          if (this.#deps.recordSamples) await this.refreshSeries();
        }
        await this.deliver();
        return { ok: true, message: `${run.id}: ${run.status}${created ? '' : ' (already recorded)'}` };
      })
      .catch((e): JobOutcome => {
        this.#deps.log.error({ routine: routine.name, err: describe(e) }, 'routine run failed');
        return { ok: false, message: describe(e) };
      })
      .finally(() => this.#busy.delete(routine.name));
    this.#busy.set(
      routine.name,
      p.then(() => {}),
    );
    return p;
  }

  /** deliver every finished, undelivered run; one pass at a time */
  deliver(): Promise<void> {
    this.#delivering ??= this.#deliverAll().finally(() => {
      this.#delivering = undefined;
    });
    return this.#delivering;
  }

  async #deliverAll(): Promise<void> {
    const { store, clock, config, announce, log } = this.#deps;
    try {
      for (const run of await store.routines.undelivered()) {
        const loaded = config();
        const routine = loaded.config.routines.find((r) => r.name === run.routine);
        try {
          if (routine?.report.to.length) {
            const link = reportLink(loaded, run.id);
            const report = await reportOf(store, run.id, clock.now(), link);
            const body = renderReport(report, routine.report.format);
            await announce({
              kind: `report.${routine.name}`,
              channels: routine.report.to,
              key: `routine:${run.id}`,
              title: titleOf(report),
              text: routine.report.format === 'html' ? summaryText(report) : body,
              ...(routine.report.format === 'html' ? { html: body } : {}),
              ...(link ? { link } : {}),
            });
          }
          await store.routines.markDelivered(run.id, clock.now());
          log.info({ run: run.id, to: routine?.report.to ?? [] }, 'routine report delivered');
        } catch (e) {
          log.error({ run: run.id, err: describe(e) }, 'delivering a routine report failed; will retry');
        }
      }
    } catch (e) {
      log.error({ err: describe(e) }, 'reading undelivered routine runs failed');
    }
  }

  async idle(): Promise<void> {
    while (this.#busy.size || this.#delivering) {
      await Promise.allSettled([...this.#busy.values(), this.#delivering]);
    }
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#ownRunner) await this.#runner.stop(0);
    else this.#runner.set('routines', []);
    await this.idle();
  }
}

/**
 * The series each configured routine's newest run put in its steps' sections, labelled with the
 * routine and the step. A step of that run that recorded none (skipped, failed) has none now:
 * its series go stale rather than keep an old value. `seen` keeps each run's series by its id,
 * so only a new run is read whole.
 */
export async function routineSeries(
  store: Store,
  routines: readonly Routine[],
  seen = new Map<string, Sample[]>(),
): Promise<Sample[]> {
  const out: Sample[] = [];
  const newest = new Set<string>();
  for (const r of routines) {
    const [last] = await store.routines.listRuns({ routine: r.name, limit: 1 });
    if (!last) continue;
    newest.add(last.id);
    let series = seen.get(last.id);
    if (!series) {
      const run = await store.routines.getRun(last.id);
      series = (run?.steps ?? []).flatMap((step) =>
        ((step.section as Section | undefined)?.series ?? []).map((s) => ({
          name: s.name,
          labels: { ...s.labels, routine: r.name, step: step.name },
          value: s.value,
        })),
      );
      seen.set(last.id, series);
    }
    out.push(...series);
  }
  for (const id of seen.keys()) if (!newest.has(id)) seen.delete(id);
  return out;
}

/** Per configured routine: when it last ran and how many of its manual steps wait, for /metrics. */
export async function routineGaugeRows(store: Store, routines: readonly Routine[]) {
  const out: { routine: string; startedAt: number; waiting: number }[] = [];
  for (const r of routines) {
    const [last] = await store.routines.listRuns({ routine: r.name, limit: 1 });
    if (!last) continue;
    let waiting = 0;
    for (const open of await store.routines.listRuns({ routine: r.name, status: 'open', limit: 100 }))
      waiting +=
        (await store.routines.getRun(open.id))?.steps.filter((s) => s.status === 'pending').length ?? 0;
    out.push({ routine: r.name, startedAt: last.startedAt, waiting });
  }
  return out;
}

import type { RuleGroup } from '../alerting/compile.js';
import { GroupState, type OutputSample, type RuleTransition } from '../alerting/group.js';
import type { Clock } from '../core/clock.js';
import { describe } from '../errors.js';
import type { Queryable } from '../metrics/types.js';
import { type JobOutcome, JobRunner, type ScheduledJob } from '../scheduler/job-runner.js';

export interface RuleServiceDeps {
  clock: Clock;
  queryable: Queryable;
  /** called before each evaluation, so rules see every result recorded so far */
  beforeEvaluation?(): Promise<void>;
  record(samples: OutputSample[]): void;
  onTransitions(transitions: RuleTransition[]): void;
  /** after every successful evaluation, with the group's alerts then (the notifier reads them) */
  onEvaluated?(state: GroupState, ts: number): void;
  onError?(group: string, error: unknown): void;
  /** the daemon's one job runner; a runner of its own when absent (tests) */
  runner?: JobRunner;
}

/**
 * Evaluates rule groups on their own grid: the scheduler's due time is the
 * evaluation timestamp, so `for` is measured on the grid whatever the load.
 * Rule groups run in a pool of their own, so slow checks never delay alerts.
 * A slot missed while Vigil was stopped or asleep is skipped, as Prometheus
 * does: evaluations are never backfilled, and `for` resumes from ALERTS_FOR_STATE.
 */
export class RuleService {
  readonly #runner: JobRunner;
  readonly #ownRunner: boolean;
  #groups = new Map<string, GroupState>();
  #restored = new WeakSet<GroupState>();
  /** group id → the last evaluation's timestamp */
  #lastTs = new Map<string, number>();

  constructor(private readonly deps: RuleServiceDeps) {
    this.#ownRunner = !deps.runner;
    this.#runner =
      deps.runner ??
      new JobRunner({
        clock: deps.clock,
        pools: { checks: { concurrency: 1 }, rules: { concurrency: 4 }, tasks: { concurrency: 1 } },
      });
  }

  get groups(): GroupState[] {
    return [...this.#groups.values()];
  }

  start(groups: readonly RuleGroup[]): void {
    this.reload(groups);
    if (this.#ownRunner) this.#runner.start();
  }

  /** New groups from a reload; a rule that did not change keeps its alerts' state. */
  reload(groups: readonly RuleGroup[]): void {
    this.#set(groups);
    this.#runner.set('rules', this.#jobs());
  }

  async stop(deadlineMs: number): Promise<void> {
    if (this.#ownRunner) await this.#runner.stop(deadlineMs);
    else this.#runner.set('rules', []);
  }

  async evaluate(state: GroupState, ts: number): Promise<JobOutcome> {
    try {
      await this.deps.beforeEvaluation?.();
      if (!this.#restored.has(state)) {
        this.#restored.add(state);
        await state.restore(this.deps.queryable, ts);
      }
      const { samples, transitions } = await state.evaluate(ts, this.deps.queryable);
      this.#lastTs.set(state.group.id, ts);
      this.deps.record(samples);
      if (transitions.length) this.deps.onTransitions(transitions);
      this.deps.onEvaluated?.(state, ts);
      return { ok: true };
    } catch (e) {
      this.deps.onError?.(state.group.name, e);
      return { ok: false, message: describe(e) };
    }
  }

  /**
   * A group not evaluated here for over two intervals (another node held the
   * alerting lease meanwhile, or this process was frozen) starts from what the
   * store says, as after a restart: `for` progress from ALERTS_FOR_STATE, and
   * the notifier's own record of what is firing. What this node held in memory
   * is older than that.
   */
  #resume(state: GroupState, ts: number): GroupState {
    const last = this.#lastTs.get(state.group.id);
    if (last === undefined || ts - last <= 2 * state.group.intervalMs) return state;
    const fresh = new GroupState(state.group);
    this.#groups.set(state.group.id, fresh);
    return fresh;
  }

  #set(groups: readonly RuleGroup[]): void {
    const next = new Map<string, GroupState>();
    for (const g of groups) {
      const state = new GroupState(g);
      const old = this.#groups.get(g.id);
      if (old) {
        state.adoptFrom(old);
        this.#restored.add(state);
      }
      next.set(g.id, state);
    }
    this.#groups = next;
  }

  #jobs(): ScheduledJob[] {
    // A group is named by its name alone where that is unique: file paths make poor job names.
    const count = new Map<string, number>();
    for (const g of this.groups) count.set(g.group.name, (count.get(g.group.name) ?? 0) + 1);
    return this.groups.map((g) => {
      const id = g.group.id;
      return {
        id: `rules:${count.get(g.group.name) === 1 ? g.group.name : id}`,
        phaseKey: id,
        kind: 'rule-group',
        pool: 'rules',
        missed: 'skip',
        schedule: { type: 'every', everyMs: g.group.intervalMs },
        run: async (info) => {
          const state = this.#groups.get(id);
          return state ? this.evaluate(this.#resume(state, info.dueAt), info.dueAt) : undefined;
        },
      };
    });
  }
}

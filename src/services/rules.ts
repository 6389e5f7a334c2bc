import type { RuleGroup } from '../alerting/compile.js';
import { GroupState, type OutputSample, type RuleTransition } from '../alerting/group.js';
import type { Clock } from '../core/clock.js';
import type { Queryable } from '../metrics/types.js';
import { LocalDriver } from '../scheduler/local-driver.js';
import { Scheduler } from '../scheduler/scheduler.js';

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
}

/**
 * Evaluates rule groups on their own grid: the scheduler's due time is the
 * evaluation timestamp, so `for` is measured on the grid whatever the load.
 * Rule groups have their own scheduler, so slow checks never delay alerts.
 */
export class RuleService {
  readonly #scheduler: Scheduler;
  #groups = new Map<string, GroupState>();
  #restored = new WeakSet<GroupState>();

  constructor(private readonly deps: RuleServiceDeps) {
    this.#scheduler = new Scheduler({
      clock: deps.clock,
      driver: new LocalDriver(deps.clock),
      concurrency: 4,
      run: async (info) => {
        const state = this.#groups.get(info.job.id);
        if (state) await this.evaluate(state, info.dueAt);
      },
    });
  }

  get groups(): GroupState[] {
    return [...this.#groups.values()];
  }

  start(groups: readonly RuleGroup[]): void {
    this.#set(groups);
    this.#scheduler.start(this.#jobs());
  }

  /** New groups from a reload; a rule that did not change keeps its alerts' state. */
  reload(groups: readonly RuleGroup[]): void {
    this.#set(groups);
    this.#scheduler.update(this.#jobs());
  }

  stop(deadlineMs: number): Promise<void> {
    return this.#scheduler.stop(deadlineMs);
  }

  async evaluate(state: GroupState, ts: number): Promise<void> {
    try {
      await this.deps.beforeEvaluation?.();
      if (!this.#restored.has(state)) {
        this.#restored.add(state);
        await state.restore(this.deps.queryable, ts);
      }
      const { samples, transitions } = await state.evaluate(ts, this.deps.queryable);
      this.deps.record(samples);
      if (transitions.length) this.deps.onTransitions(transitions);
      this.deps.onEvaluated?.(state, ts);
    } catch (e) {
      this.deps.onError?.(state.group.name, e);
    }
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

  #jobs() {
    return this.groups.map((g) => ({
      id: g.group.id,
      schedule: { type: 'every' as const, everyMs: g.group.intervalMs },
    }));
  }
}

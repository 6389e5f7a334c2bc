import type { Schedule } from '../core/schedule.js';

/**
 * What happens to a slot that passed while Vigil could not run it (the process
 * was down, the machine suspended, the event loop stalled):
 * - `skip`: wait for the next slot. For periodic work whose next run does the
 *   same job (checks, rule groups, pruning): a stale run adds nothing.
 * - `run-once`: run once now for the newest missed slot, never once per missed
 *   slot (systemd's `Persistent=true`, anacron). For work whose absence matters
 *   until it is done (a nightly backup, a monthly restore test, a routine).
 */
export type MissedRunPolicy = 'skip' | 'run-once';

/**
 * Where a job runs when several nodes share one store:
 * - `shard`: on the node holding the lease of the job's shard (checks);
 * - `leader`: on the node holding the alerting lease (rule groups: alert state
 *   and notification grouping need one evaluator);
 * - `once`: on whichever node first claims the due time (backups, routines,
 *   maintenance, rotation, retention: once per due time in the cluster);
 * - `local`: on every node (its own gauges).
 * A single node runs everything.
 */
export type JobScope = 'shard' | 'leader' | 'once' | 'local';

export interface Job {
  id: string;
  /** `local` when absent */
  scope?: JobScope;
  schedule: Schedule;
  /** spreads `every` jobs over their interval; the id when absent */
  phaseKey?: string;
  /** `skip` when absent */
  missed?: MissedRunPolicy;
  /**
   * For `run-once` jobs: the newest slot already handled (or the moment the job
   * was first seen). A slot after it and before now is run once when the job
   * is registered.
   */
  handledUntil?: number;
}

/**
 * Decides whether this node runs a job's due time, in a cluster: true, false,
 * or a claim still being made in the store.
 */
export type Ownership = (job: Job, dueAt: number) => boolean | Promise<boolean>;

/**
 * Decides *when* jobs fall due on this node. The local driver keeps a timer
 * heap; a cluster driver would claim due jobs from a PostgreSQL-backed queue
 * and call `dispatch` the same way. The executor behind it is shared.
 */
export interface SchedulerDriver {
  start(jobs: readonly Job[], dispatch: (job: Job, dueAt: number) => void): void;
  /** replace the job set (config reload); unchanged jobs keep their phase */
  update(jobs: readonly Job[]): void;
  /** when each job is next due, for people reading the schedule */
  nextDueOf(id: string): number | undefined;
  stop(): void;
}

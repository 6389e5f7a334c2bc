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

export interface Job {
  id: string;
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

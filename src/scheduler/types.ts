import type { Schedule } from '../core/schedule.js';

export interface Job {
  id: string;
  schedule: Schedule;
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
  stop(): void;
}

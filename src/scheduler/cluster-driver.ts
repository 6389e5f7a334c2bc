import type { Clock } from '../core/clock.js';
import { LocalDriver } from './local-driver.js';
import type { Job, Ownership, SchedulerDriver } from './types.js';

export interface ClusterDriverStats {
  /** due times this node ran */
  ran: number;
  /** due times another node owns (its shard, the alerting lease, or a claim it won) */
  declined: number;
  /** claims that failed (the store did not answer): the due time is not run here */
  claimErrors: number;
}

/**
 * The job runner's driver on a node of a cluster: every node keeps the same
 * timer heap (a job's slots are the same instants everywhere), and at each due
 * time asks who runs it. Checks run where their shard's lease is held, rule
 * groups where the alerting lease is, and scheduled work on the node whose
 * claim of that due time landed first in the store, so it runs once per due
 * time in the whole cluster. The decision is taken at the due time, with the
 * leases as this node last renewed them; a node that could not renew owns
 * nothing (self-fencing).
 */
export class ClusterDriver implements SchedulerDriver {
  readonly stats: ClusterDriverStats = { ran: 0, declined: 0, claimErrors: 0 };
  readonly #local: LocalDriver;

  constructor(
    clock: Clock,
    private readonly owns: Ownership,
    private readonly onError: (message: string, error: unknown) => void = () => {},
  ) {
    this.#local = new LocalDriver(clock);
  }

  start(jobs: readonly Job[], dispatch: (job: Job, dueAt: number) => void): void {
    this.#local.start(jobs, (job, dueAt) => this.#decide(job, dueAt, dispatch));
  }

  update(jobs: readonly Job[]): void {
    this.#local.update(jobs);
  }

  nextDueOf(id: string): number | undefined {
    return this.#local.nextDueOf(id);
  }

  stop(): void {
    this.#local.stop();
  }

  #decide(job: Job, dueAt: number, dispatch: (job: Job, dueAt: number) => void): void {
    const verdict = this.owns(job, dueAt);
    const go = (mine: boolean) => {
      if (mine) {
        this.stats.ran++;
        dispatch(job, dueAt);
      } else this.stats.declined++;
    };
    if (typeof verdict === 'boolean') go(verdict);
    else
      verdict.then(go, (e) => {
        this.stats.claimErrors++;
        this.onError(`claiming ${job.id} at ${new Date(dueAt).toISOString()} failed; not run here`, e);
      });
  }
}

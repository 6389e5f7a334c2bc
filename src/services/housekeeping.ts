import { changesJob } from '../changes/service.js';
import type { VigilConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { HOUSEKEEPING, type ScheduledJob } from '../scheduler/job-runner.js';
import type { Store } from '../store/store.js';
import { rotationJob } from './rotation.js';

const pruneEveryMs = 10 * 60_000;

/** The daemon's own upkeep: retention, log rotation, change reminders and maintenance silences. */
export function housekeepingJobs(deps: {
  clock: Clock;
  store: Store;
  config: () => VigilConfig;
  log: {
    info(o: object, m: string): void;
    error(o: object, m: string): void;
    debug?(o: object, m: string): void;
  };
}): ScheduledJob[] {
  const { clock, store, config, log } = deps;
  return [
    {
      // Pruning is idempotent and periodic: a pass missed while Vigil was down is skipped.
      id: 'retention:store',
      phaseKey: HOUSEKEEPING,
      kind: 'retention',
      pool: 'tasks',
      missed: 'skip',
      schedule: { type: 'every', everyMs: pruneEveryMs },
      async run() {
        const counts = await store.prune(config().retention, clock.now());
        log.debug?.({ counts }, 'retention applied');
        const removed = Object.values(counts).reduce((a, b) => a + b, 0);
        return { ok: true, message: `${removed} rows removed` };
      },
    },
    rotationJob({ clock, entries: () => config().logs, store: store.state, log }),
    changesJob({ clock, store, config, log }),
  ];
}

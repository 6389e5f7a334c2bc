import type { VigilConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { describe } from '../errors.js';
import { compileNotify } from '../notify/config.js';
import { HOUSEKEEPING, type JobOutcome, JobRunner, type ScheduledJob } from '../scheduler/job-runner.js';
import { noticeMaintenance } from '../status/maintenance-notice.js';
import type { Store } from '../store/store.js';
import { syncMaintenanceSilences } from './maintenance.js';
import { outboxAnnouncer } from './outbox.js';
import { sendReminders } from './reminders.js';

/**
 * The daemon's part in change management: every minute, silences for maintenance about to
 * start, and reminders for planned changes. Both are idempotent, so a missed or repeated tick
 * (or a second node) neither loses nor doubles anything: a tick missed while Vigil was down is
 * skipped, and the next one catches up.
 */
export function changesJob(deps: {
  clock: Clock;
  store: Store;
  config: () => VigilConfig;
  log: { info(o: object, m: string): void; error(o: object, m: string): void };
  everyMs?: number;
}): ScheduledJob & { tick(): Promise<JobOutcome> } {
  const tick = async (): Promise<JobOutcome> => {
    const config = deps.config();
    const now = deps.clock.now();
    try {
      const silenced = await syncMaintenanceSilences(deps.store, config, now);
      if (silenced) deps.log.info({ silences: silenced }, 'maintenance silences added');
      const announce = outboxAnnouncer(deps.store, config, () => deps.clock.now());
      const reminded = await sendReminders({ store: deps.store, config, announce }, now);
      if (reminded) deps.log.info({ reminders: reminded }, 'change reminders queued');
      const channels = compileNotify(config).channels;
      const noticed = await noticeMaintenance(deps.store, config, (c) => channels.get(c)?.provider, now);
      if (noticed) deps.log.info({ subscribers: noticed }, 'scheduled maintenance told to subscribers');
      return { ok: true, message: `${silenced} silences, ${reminded} reminders` };
    } catch (e) {
      deps.log.error({ err: describe(e) }, 'change management tick failed');
      return { ok: false, message: describe(e) };
    }
  };
  return {
    id: 'changes:reminders',
    phaseKey: HOUSEKEEPING,
    kind: 'changes',
    pool: 'tasks',
    missed: 'skip',
    schedule: { type: 'every', everyMs: deps.everyMs ?? 60_000 },
    run: tick,
    tick,
  };
}

/** The change job on a runner of its own (tests). */
export function startChanges(deps: Parameters<typeof changesJob>[0]): {
  tick(): Promise<JobOutcome>;
  stop(): Promise<void>;
} {
  const job = changesJob(deps);
  const runner = JobRunner.standalone(deps.clock);
  runner.set('changes', [job]);
  runner.start();
  return { tick: job.tick, stop: () => runner.stop(0) };
}

import type { VigilConfig } from '../config/schema.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { describe } from '../errors.js';
import type { Store } from '../store/store.js';
import { syncMaintenanceSilences } from './maintenance.js';
import { outboxAnnouncer } from './outbox.js';
import { sendReminders } from './reminders.js';

/**
 * The daemon's part in change management: every minute, silences for maintenance about to
 * start, and reminders for planned changes. Both are idempotent, so a missed or repeated tick
 * (or a second node) neither loses nor doubles anything.
 */
export function startChanges(deps: {
  clock: Clock;
  store: Store;
  config: () => VigilConfig;
  log: { info(o: object, m: string): void; error(o: object, m: string): void };
  everyMs?: number;
}): { tick(): Promise<void>; stop(): void } {
  let timer: TimerHandle | undefined;
  let stopped = false;
  const tick = async () => {
    const config = deps.config();
    const now = deps.clock.now();
    try {
      const silenced = await syncMaintenanceSilences(deps.store, config, now);
      if (silenced) deps.log.info({ silences: silenced }, 'maintenance silences added');
      const announce = outboxAnnouncer(deps.store, config, () => deps.clock.now());
      const reminded = await sendReminders({ store: deps.store, config, announce }, now);
      if (reminded) deps.log.info({ reminders: reminded }, 'change reminders queued');
    } catch (e) {
      deps.log.error({ err: describe(e) }, 'change management tick failed');
    }
  };
  const loop = () => {
    if (stopped) return;
    void tick().finally(() => {
      if (!stopped) timer = deps.clock.setTimer(deps.everyMs ?? 60_000, loop);
    });
  };
  loop();
  return {
    tick,
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}

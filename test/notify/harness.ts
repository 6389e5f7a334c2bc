import { parseConfig } from '../../src/config/loader.js';
import { type ActiveAlert, fingerprint } from '../../src/core/alert-state.js';
import { FakeClock } from '../../src/core/clock.js';
import { alertFingerprint } from '../../src/notify/fingerprint.js';
import { Notifier } from '../../src/services/notifier.js';
import { notifierSettings } from '../../src/services/notify-settings.js';
import { openStore, type Store } from '../../src/store/store.js';

export interface LogLine {
  level: string;
  obj: object;
  msg: string;
}

/** A notifier on a fake clock over a real store, fed alerts directly as rule evaluations would. */
export async function notifierHarness(
  yaml: string,
  storeUrl: string,
  opts: { clock?: FakeClock; env?: Record<string, string> } = {},
) {
  const clock = opts.clock ?? new FakeClock(Date.UTC(2026, 10, 27, 3, 0));
  let loaded = parseConfig(yaml, 'vigil.yaml', opts.env ?? {});
  const store: Store = await openStore(storeUrl);
  const logs: LogLine[] = [];
  const log = (level: string) => (obj: object, msg: string) => logs.push({ level, obj, msg });
  const make = () =>
    new Notifier({
      clock,
      notifications: store.notifications,
      silences: store.silences,
      incidents: store.incidents,
      settings: () => notifierSettings(loaded),
      log: { info: log('info'), warn: log('warn'), error: log('error') },
      random: () => 1,
    });
  let notifier = make();
  await notifier.start();
  /** rule group → fingerprint → alert, as GroupState.allAlerts() reports it */
  const groups = new Map<string, Map<string, ActiveAlert>>();

  const h = {
    clock,
    store,
    logs,
    config: () => loaded.config,
    get notifier() {
      return notifier;
    },
    /** an alert that fires now; `pendingMs` back it became pending (a rule's `for`) */
    fire(
      labels: Record<string, string>,
      annotations: Record<string, string> = {},
      group = 'g',
      pendingMs = 0,
    ) {
      const m = groups.get(group) ?? new Map<string, ActiveAlert>();
      groups.set(group, m);
      const fp = fingerprint(labels);
      m.set(fp, {
        labels,
        annotations,
        state: 'firing',
        activeAt: clock.now() - pendingMs,
        firedAt: clock.now(),
        value: 1,
      });
      return alertFingerprint(labels);
    },
    resolve(labels: Record<string, string>, group = 'g') {
      const a = groups.get(group)?.get(fingerprint(labels));
      if (a) Object.assign(a, { state: 'inactive', resolvedAt: clock.now() });
    },
    /** drops an alert from its group entirely (as after the 15 minutes a resolved alert is kept) */
    forget(labels: Record<string, string>, group = 'g') {
      groups.get(group)?.delete(fingerprint(labels));
    },
    /** one evaluation of every group at the current time */
    evaluate() {
      for (const [g, m] of groups) notifier.observe(g, clock.now(), m);
    },
    async settle() {
      await notifier.settled();
      await notifier.dispatcher.flushed();
      await notifier.workers.idle();
      await notifier.settled();
    },
    /** advance the fake clock, evaluating every `every` ms, and let flushes and deliveries finish */
    async advance(ms: number, every = 0) {
      if (!every) {
        await clock.advance(ms);
        await h.settle();
        return;
      }
      for (let t = 0; t < ms; t += every) {
        await clock.advance(Math.min(every, ms - t));
        h.evaluate();
        await h.settle();
      }
    },
    reconfigure(text: string) {
      loaded = parseConfig(text, 'vigil.yaml', opts.env ?? {});
      notifier.reload();
    },
    /** a new notifier over the same store, as after a restart (the old one is dropped, not stopped) */
    async restart(kill = true) {
      if (!kill) await notifier.stop(1000);
      else notifier.dispatcher.stop();
      await notifier.workers.stop(0);
      notifier = make();
      await notifier.start();
    },
    async close() {
      await notifier.stop(1000);
      await store.close();
    },
  };
  return h;
}

import type { LoadedConfig } from '../config/loader.js';
import { scrubberOf } from '../config/redact.js';
import { compileNotify } from '../notify/config.js';
import { equalityMatchers } from '../notify/matchers.js';
import { contactChannels } from '../oncall/contacts.js';
import type { NotifierSettings } from './notifier.js';

const compiled = new WeakMap<LoadedConfig, NotifierSettings>();

/** The notifier's view of one loaded config, compiled once per load. */
export function notifierSettings(loaded: LoadedConfig): NotifierSettings {
  let s = compiled.get(loaded);
  if (!s) {
    const c = loaded.config;
    const notify = compileNotify(c);
    // each on-call person's contacts are channels of their own, so pages use the same outbox
    for (const ch of contactChannels(c.oncall.users, notify.channels)) notify.channels.set(ch.name, ch);
    // the guide's form (no route tree): a policy with match: is one more receiver beside the channels
    if (!c.route)
      c.oncall.policies.forEach((p, i) => {
        if (p.match)
          notify.route.routes.push({
            id: `0.p${i}`,
            receiver: p.name,
            matchers: equalityMatchers(p.match),
            continue: true,
            groupBy: ['alertname'],
            // a page goes out at once: waiting to batch alerts is for channels
            groupWaitMs: 0,
            groupIntervalMs: notify.route.groupIntervalMs,
            repeatIntervalMs: notify.route.repeatIntervalMs,
            routes: [],
          });
      });
    s = {
      notify,
      externalUrl: c.notifications.external_url,
      delivery: {
        timeoutMs: c.notifications.timeout,
        retry: c.notifications.retry,
        giveUpAfterMs: c.notifications.give_up_after,
        workers: c.notifications.workers,
        pollIntervalMs: c.notifications.poll_interval,
        scrub: (text) => scrubberOf(loaded).scrub(text),
      },
      incidents: {
        enabled: c.incidents.enabled,
        severity: c.incidents.severity,
        groupBy: c.incidents.group_by,
      },
    };
    compiled.set(loaded, s);
  }
  return s;
}

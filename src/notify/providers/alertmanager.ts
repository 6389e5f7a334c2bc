import { z } from 'zod';
import { hostOf, iso, postJson } from '../http.js';
import type { Provider } from '../types.js';

const spec = z.strictObject({
  /** the Alertmanager's base URL, e.g. http://alertmanager:9093 */
  url: z.url({ protocol: /^https?$/ }),
});
type Spec = z.output<typeof spec>;

/** How long Alertmanager should hold a firing alert without hearing of it again. */
const validForMs = 4 * 60_000;

/**
 * Alertmanager's `POST /api/v2/alerts`: Vigil as the rule evaluator in front
 * of a team's Alertmanager. Like Prometheus, it re-sends firing alerts every
 * minute with an endsAt a few minutes ahead, so Alertmanager resolves them on
 * its own if Vigil goes away; grouping and routing are then Alertmanager's.
 */
export const alertmanagerProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => hostOf(s.url),
  defaults: { groupWaitMs: 0, groupIntervalMs: 60_000, repeatIntervalMs: 60_000 },
  repeatsKeepAlive: true,
  async send(s, d) {
    const sentAt = Date.now();
    const alerts = d.payload.data.alerts.map((a) => ({
      labels: a.labels,
      annotations: a.annotations,
      startsAt: iso(a.startsAt),
      endsAt: iso(a.endsAt || sentAt + validForMs),
      generatorURL: a.generatorURL,
    }));
    await postJson(`${s.url.replace(/\/+$/, '')}/api/v2/alerts`, alerts, {
      signal: d.signal,
      timeoutMs: d.timeoutMs,
    });
  },
};

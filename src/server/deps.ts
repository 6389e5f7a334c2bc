import type { Registry } from 'prom-client';
import type { CheckResult } from '../checks/types.js';
import type { LoadedConfig } from '../config/loader.js';
import type { Scrubber } from '../config/redact.js';
import type { Clock } from '../core/clock.js';
import type { Queryable } from '../metrics/types.js';
import type { JobStatus } from '../scheduler/job-runner.js';
import type { EscalationService } from '../services/escalations.js';
import type { EventHub } from '../services/events.js';
import type { ExternalAlerts } from '../services/external-alerts.js';
import type { Monitor } from '../services/monitor.js';
import type { Notifier } from '../services/notifier.js';
import type { ProbeService } from '../services/probes.js';
import type { RuleService } from '../services/rules.js';
import type { WriteFailure } from '../services/write-buffer.js';
import type { Store } from '../store/store.js';
import type { AuthDeps } from './auth.js';

/** Everything the HTTP face needs, passed in: `buildApp(deps)` never listens or reads globals. */
export interface AppDeps {
  store: Store;
  clock: Clock;
  /** the config in force; a function because SIGHUP may replace it */
  config(): LoadedConfig;
  monitor: Monitor;
  rules: RuleService;
  /** absent in tests of other parts */
  notifier?: Notifier;
  /** what PromQL reads: the store's samples */
  queryable: Queryable;
  metrics: Registry;
  version: string;
  /** delivers routine reports whose last step was just signed off; absent in tests of other parts */
  routines?: { deliver(): Promise<void> };
  /** login for /api and /metrics; absent only in tests of other parts, where the API is open */
  auth?: AuthDeps;
  /** heartbeat pings become results at once, through the same pipeline as scheduled runs */
  onHeartbeat?(check: string): Promise<CheckResult | undefined>;
  /** live events for `/api/v1/events`; absent in tests of other parts */
  events?: EventHub;
  /** the daemon's job runner, for `/api/v1/jobs`; absent in tests of other parts */
  jobs?: { list(): JobStatus[] };
  /** this node's membership on PostgreSQL, for `/api/v1/cluster`; absent on SQLite and in tests */
  cluster?: { id: string } | null;
  /** every secret the daemon has seen, across reloads; absent: the secrets of the config in force */
  scrubber?: Scrubber;
  /** set while results cannot be written to the store: /health reports it */
  writes?(): WriteFailure | undefined;
  /** alerts posted in by another Prometheus or Alertmanager; absent: refused with 503 */
  externalAlerts?: ExternalAlerts;
  /** acknowledgement links from pages (`/ack/<token>`); absent: those links answer 404 */
  acks?: Pick<EscalationService, 'inspect' | 'acknowledge'>;
  /** checks run from several locations: agents, their results, verdicts; absent: the probe API answers 404 */
  probes?: ProbeService;
  /** where the built dashboard lives (dist/web); absent: the dashboard is not served */
  webRoot?: string;
}

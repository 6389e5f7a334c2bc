import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Sample } from '../checks/types.js';
import { stepKinds } from '../routines/steps/registry.js';
import type { SchedulerStats } from '../scheduler/scheduler.js';
import type { NotificationsRepo } from '../store/notifications.js';
import type { Notifier } from './notifier.js';
import type { RuleService } from './rules.js';
import type { WriteBuffer } from './write-buffer.js';

/** Vigil's own health, on /metrics beside the checks' series. */
export function ownMetrics(parts: {
  /** the check pool's counters */
  checkRuns(): SchedulerStats;
  buffer: WriteBuffer;
  version: string;
  rules?: RuleService;
  notifier?: Notifier;
  outbox?: Pick<NotificationsRepo, 'queue'>;
  /** the backup gauges the backup scheduler keeps from the catalogue */
  backups?: { gauges: readonly Sample[] };
  /** the maintenance gauges the maintenance scheduler keeps from its runs */
  maintenance?: { gauges: readonly Sample[] };
  /** routine runs, for their last run and the steps waiting for sign-off */
  routines?: {
    runs(): Promise<{ routine: string; startedAt: number; waiting: number }[]>;
    /** the newest runs' step series (os_security_updates_pending{routine,step}, …) */
    series?(): readonly Sample[];
  };
}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  // Gauges named _total (promtool lints them), and only sums of the per-type gauges beside them.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
    registry.removeSingleMetric(`vigil_nodejs_${name}`);
  }
  new Gauge({
    name: 'vigil_build_info',
    help: 'Vigil version, always 1',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: parts.version }, 1);
  const lateness = new Histogram({
    name: 'vigil_scheduler_lateness_seconds',
    help: 'How long after its due time a check run started',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  const { counter, gauge } = readMetrics(registry);
  counter('vigil_check_runs_started_total', 'Check runs started', () => parts.checkRuns().started);
  counter(
    'vigil_check_runs_skipped_total',
    'Runs skipped because the previous run of the same check was still going',
    () => parts.checkRuns().skippedOverlap,
  );
  gauge('vigil_check_runs_in_flight', 'Check runs in flight', () => parts.checkRuns().running);
  gauge('vigil_check_runs_queued', 'Due check runs waiting for a free slot', () => parts.checkRuns().queued);
  counter('vigil_results_written_total', 'Results written to the store', () => parts.buffer.written);
  counter(
    'vigil_results_dropped_total',
    'Results dropped because the store was unavailable for too long',
    () => parts.buffer.dropped,
  );
  counter(
    'vigil_samples_dropped_total',
    'Samples dropped because the store was unavailable for too long',
    () => parts.buffer.droppedSamples,
  );
  gauge('vigil_results_pending', 'Results waiting to be written', () => parts.buffer.pending);
  gauge(
    'vigil_results_pending_bytes',
    'About how much memory the results and samples waiting to be written take',
    () => parts.buffer.pendingBytes,
  );
  gauge('vigil_store_write_failing', 'Whether writing results to the store fails (1) or not (0)', () =>
    parts.buffer.failure ? 1 : 0,
  );
  new Gauge({
    name: 'vigil_rule_evaluation_failed',
    help: 'Whether the last evaluation of a rule failed (1) or not (0); the error is in /api/v1/rules',
    labelNames: ['group', 'rule'],
    registers: [registry],
    collect() {
      this.reset();
      for (const g of parts.rules?.groups ?? []) {
        g.group.rules.forEach((r, i) => {
          this.set({ group: g.group.name, rule: r.name }, g.health[i]!.health === 'err' ? 1 : 0);
        });
      }
    },
  });
  const { notifier, outbox } = parts;
  if (notifier) {
    new Counter({
      name: 'vigil_notifications_total',
      help: 'Notification delivery attempts by channel and result (delivered, retry, dead)',
      labelNames: ['channel', 'result'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [k, n] of notifier.counters.results) {
          const [channel, result] = k.split('\u0000') as [string, string];
          this.inc({ channel, result }, n);
        }
      },
    });
    counter(
      'vigil_notifications_unrouted_total',
      'Alerts that matched no notification route',
      () => notifier.counters.unrouted,
    );
    counter(
      'vigil_notification_template_errors_total',
      'Notification templates that failed to render (the default was used)',
      () => notifier.counters.templateErrors,
    );
    counter(
      'vigil_notifications_reclaimed_total',
      'Notifications this node claimed again after an earlier claim ended without an outcome (its sender died or froze): each may reach its receiver twice, with the same idempotency key',
      () => notifier.counters.reclaimed,
    );
  }
  if (outbox) {
    new Gauge({
      name: 'vigil_notification_queue_depth',
      help: 'Notifications waiting for delivery',
      registers: [registry],
      async collect() {
        this.set((await outbox.queue()).depth);
      },
    });
    new Gauge({
      name: 'vigil_notification_oldest_pending_seconds',
      help: 'Age of the oldest notification waiting for delivery (0 when none)',
      registers: [registry],
      async collect() {
        const { oldest } = await outbox.queue();
        this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
      },
    });
  }
  const backupHelp: Record<string, [string, string[]]> = {
    backup_last_success_timestamp_seconds: ['When the newest good backup of a job finished', ['job']],
    backup_last_failure_timestamp_seconds: ['When the newest failed backup run of a job ended', ['job']],
    backup_size_bytes: ['Size of the newest good backup of a job', ['job']],
    backup_duration_seconds: ['How long the newest good backup of a job took', ['job']],
    backup_verify_last_success_timestamp_seconds: [
      'When a backup of a job last passed verification at a level',
      ['job', 'level'],
    ],
    backup_verify_last_failure_timestamp_seconds: [
      'When a backup of a job last failed verification at a level',
      ['job', 'level'],
    ],
  };
  for (const [name, [help, labelNames]] of Object.entries(backupHelp)) {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of parts.backups?.gauges ?? []) if (s.name === name) this.set({ ...s.labels }, s.value);
      },
    });
  }
  const maintenanceHelp: Record<string, string> = {
    maintenance_last_success_timestamp_seconds: 'When a maintenance task last succeeded',
    maintenance_last_failure_timestamp_seconds: 'When a maintenance task last failed or timed out',
    maintenance_duration_seconds: 'How long the newest run of a maintenance task took',
  };
  for (const [name, help] of Object.entries(maintenanceHelp)) {
    new Gauge({
      name,
      help,
      labelNames: ['task'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of parts.maintenance?.gauges ?? [])
          if (s.name === name) this.set({ ...s.labels }, s.value);
      },
    });
  }
  if (parts.routines) {
    const { routines } = parts;
    let latest: Promise<{ routine: string; startedAt: number; waiting: number }[]> | undefined;
    // Both gauges read one snapshot per scrape.
    const snapshot = () => {
      latest ??= routines.runs().finally(() => setImmediate(() => (latest = undefined)));
      return latest;
    };
    new Gauge({
      name: 'routine_last_run_timestamp_seconds',
      help: 'When a routine last ran',
      labelNames: ['routine'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await snapshot()) this.set({ routine: r.routine }, r.startedAt / 1000);
      },
    });
    new Gauge({
      name: 'routine_steps_awaiting_signoff',
      help: 'Manual steps of open routine runs not yet signed off',
      labelNames: ['routine'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await snapshot()) this.set({ routine: r.routine }, r.waiting);
      },
    });
    // Each step kind's series, declared with its own labels: what alert rules in Vigil read, for a
    // Prometheus that scrapes Vigil too.
    const declared = new Map<string, { help: string; labels?: readonly string[] }>();
    for (const k of Object.values(stepKinds))
      for (const [n, d] of Object.entries(k.series ?? {})) declared.set(n, d);
    for (const [name, d] of declared)
      new Gauge({
        name,
        help: d.help,
        labelNames: [...(d.labels ?? []), 'routine', 'step'],
        registers: [registry],
        collect() {
          this.reset();
          for (const s of routines.series?.() ?? []) if (s.name === name) this.set({ ...s.labels }, s.value);
        },
      });
  }
  return { registry, lateness };
}

/**
 * Counters and gauges read from the daemon's state at scrape time: `read` is
 * called on every collection, so nothing is kept twice.
 */
export function readMetrics(registry: Registry) {
  return {
    counter: (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      }),
    gauge: (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      }),
  };
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { sessionManager } from './auth/sessions.js';
import { ensureFirstAdmin } from './auth/users.js';
import { backupServiceFor } from './backup/open.js';
import { answered } from './checks/types.js';
import type { LoadedConfig } from './config/loader.js';
import { Scrubber } from './config/redact.js';
import { type Clock, systemClock } from './core/clock.js';
import { describe, VigilError } from './errors.js';
import { enqueueAnnouncement } from './notify/announce.js';
import { compileOncall } from './oncall/compile.js';
import { JobRunner } from './scheduler/job-runner.js';
import { buildApp } from './server/app.js';
import { reloadTls } from './server/tls.js';
import { BackupScheduler } from './services/backups.js';
import { clusterMetrics, joinCluster } from './services/cluster.js';
import { EscalationService } from './services/escalations.js';
import { EventHub } from './services/events.js';
import { ExternalAlerts } from './services/external-alerts.js';
import { housekeepingJobs } from './services/housekeeping.js';
import { MaintenanceScheduler } from './services/maintenance.js';
import { Monitor } from './services/monitor.js';
import { Notifier } from './services/notifier.js';
import { notifierSettings } from './services/notify-settings.js';
import { ownMetrics } from './services/own-metrics.js';
import { ProbeService } from './services/probes.js';
import { RoutineScheduler, routineGaugeRows } from './services/routines.js';
import { RuleService } from './services/rules.js';
import { loadSetup } from './services/setup.js';
import { WriteBuffer } from './services/write-buffer.js';
import { openStore, redactUrl } from './store/store.js';
import { version } from './version.js';

export interface DaemonOptions {
  configPath: string;
  logger: Logger;
  clock?: Clock;
  env?: Record<string, string | undefined>;
  /** overrides server.listen, e.g. 127.0.0.1:0 in tests */
  listen?: string;
  /** learns the config's secrets, for the logger's output; one is made when absent */
  scrubber?: Scrubber;
}

export interface Daemon {
  app: FastifyInstance;
  /** the one job runner: every timed job of this daemon */
  jobs: JobRunner;
  url: string;
  config(): LoadedConfig;
  /** set on the first start of a store: the admin created then, with its password when Vigil chose it */
  firstAdmin?: { name: string; password?: string };
  /** re-read the config file; an invalid one is refused and the running one kept */
  reload(): Promise<void>;
  stop(deadlineMs?: number): Promise<void>;
}

/** `vigil up`: store, scheduler, recorder and HTTP server, wired once. */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const clock = opts.clock ?? systemClock;
  const log = opts.logger;
  const setup = loadSetup(opts.configPath, opts.env ?? process.env);
  let loaded = setup.loaded;
  const scrubber = (opts.scrubber ?? new Scrubber()).add(loaded.secretValues);
  const store = await openStore(loaded.config.storage);
  log.info({ store: redactUrl(loaded.config.storage), checks: loaded.config.checks.length }, 'store ready');
  // Leadership changes reach the notifier once it has started; until then it loads by itself.
  let onLeadership = (_leading: boolean) => {};
  let cluster: Awaited<ReturnType<typeof joinCluster>>;
  try {
    cluster = await joinCluster({
      dialect: store.dialect,
      repo: store.cluster,
      config: loaded.config.cluster,
      clock,
      version,
      log,
      onLeadership: (l) => onLeadership(l),
    });
  } catch (e) {
    await store.close();
    throw e;
  }

  const buffer = new WriteBuffer({
    clock,
    write: (batch, samples) => store.record(batch, samples),
    scrub: (text) => scrubber.scrub(text),
    onError: (e, pending) =>
      log.error({ err: describe(e), pending }, 'writing results failed; retrying with smaller batches'),
    onDrop: (info) =>
      log.error(info, 'results waiting for the store went over their bound; dropping the oldest'),
    onRecovered: (info) => log.warn(info, 'writing results works again'),
  });
  // The lateness histogram belongs to the metrics registry, made once the services exist.
  let observeLateness = (_seconds: number) => {};
  // The one job runner: every timed job of this daemon is registered with it.
  const runner = new JobRunner({
    clock,
    ...(cluster.driver ? { driver: cluster.driver } : {}),
    pools: {
      checks: { concurrency: loaded.config.scheduler.concurrency },
      rules: { concurrency: 4 },
      // backups, restore tests, maintenance, routines and housekeeping; slow ones take at most half
      tasks: { concurrency: 4, slowAfterMs: 60_000 },
    },
    history: store.jobs,
    onStart: (info, job) => {
      if (job.kind === 'check') observeLateness(Math.max(0, info.startedAt - info.dueAt) / 1000);
    },
    onError: (message, e) => log.error({ err: e === undefined ? undefined : describe(e) }, message),
  });
  await runner.open();
  const events = new EventHub();
  const notifier = new Notifier({
    clock,
    notifications: store.notifications,
    silences: store.silences,
    incidents: store.incidents,
    settings: () => notifierSettings(loaded),
    log,
    onIncidentChange: () => events.publish({ type: 'incident', at: clock.now() }),
    leading: cluster.leading,
    node: cluster.node,
    canSend: cluster.canSend,
    escalate: (policy, incidents, message) => escalations.escalate(policy, incidents, message),
  });
  const escalations = new EscalationService({
    runner,
    clock,
    store,
    oncall: () => compileOncall(loaded.config.oncall),
    channel: (name) => notifierSettings(loaded).notify.channels.get(name),
    externalUrl: () => loaded.config.notifications.external_url,
    kick: () => notifier.workers.kick(),
    onIncidentChange: () => events.publish({ type: 'incident', at: clock.now() }),
    log,
  });
  const probes = new ProbeService({
    clock,
    runner,
    probes: store.probes,
    checks: () => loaded.config.checks,
    recordSamples: (samples) => buffer.addSamples(samples),
    onError: (what, e) => log.error({ err: describe(e) }, what),
  });
  const m = new Monitor({
    runner,
    locations: probes,
    clock,
    heartbeats: store.heartbeats,
    state: store.state,
    concurrency: loaded.config.scheduler.concurrency,
    record: (r) => {
      buffer.add(r);
      events.publish({
        type: 'check',
        check: r.check,
        status: r.status,
        up: answered(r),
        at: r.startedAt,
        durationMs: r.durationMs,
        message: scrubber.scrub(r.message),
      });
    },
  });
  const rules = new RuleService({
    runner,
    clock,
    queryable: store.queryable,
    beforeEvaluation: async () => {
      // A node that just took the alerting lease evaluates once the notifier has taken over.
      await notifier.ready();
      await buffer.flush();
    },
    record: (samples) =>
      buffer.addSamples(
        samples.map(({ labels: { __name__, ...labels }, t, v, stale }) => ({
          name: __name__ ?? '',
          labels,
          ts: t,
          value: v,
          ...(stale ? { stale } : {}),
        })),
      ),
    onTransitions: (transitions) => {
      for (const t of transitions) {
        log.info(
          { alert: t.rule, labels: t.labels, from: t.from, to: t.to, reason: t.reason },
          'alert state changed',
        );
        events.publish({ type: 'alert', rule: t.rule, labels: t.labels, from: t.from, to: t.to, at: t.at });
      }
      store.alerts
        .insertTransitions(transitions.map((t) => ({ ...t, value: t.value })))
        .catch((e) => log.error({ err: describe(e) }, 'recording alert transitions failed'));
    },
    onEvaluated: (state, ts) => notifier.observe(state.group.id, ts, state.allAlerts()),
    onError: (group, e) => log.error({ group, err: describe(e) }, 'rule group evaluation failed'),
  });
  const backupService = backupServiceFor(loaded, store, clock, (samples) => buffer.addSamples(samples));
  const backups = new BackupScheduler({
    runner,
    service: backupService,
    catalogue: store.backups,
    clock,
    timezone: loaded.config.backups.timezone,
    log: { info: (o, msg) => log.info(o, msg), error: (o, msg) => log.error(o, msg) },
    recordSamples: (samples) => buffer.addSamples(samples),
  });
  const recovered = await backupService.recover();
  if (recovered.cleaned || recovered.catalogued)
    log.warn(recovered, 'backups left by a crash were cleaned up');
  const logTo = {
    info: (o: object, msg: string) => log.info(o, msg),
    error: (o: object, msg: string) => log.error(o, msg),
  };
  const maintenance = new MaintenanceScheduler({
    runner,
    store,
    clock,
    baseDir: path.dirname(path.resolve(loaded.file)),
    // read at each run, so a reloaded retention: applies to the next prune
    get retention() {
      return loaded.config.retention;
    },
    log: logTo,
    recordSamples: (samples) => buffer.addSamples(samples),
  });
  const routines = new RoutineScheduler({
    runner,
    store,
    clock,
    config: () => loaded,
    announce: async (msg) => {
      await enqueueAnnouncement(store, loaded.config, { ...msg, kind: msg.kind }, clock.now());
    },
    log: logTo,
    recordSamples: (samples) => buffer.addSamples(samples),
  });
  const metrics = ownMetrics({
    checkRuns: () => m.stats,
    buffer,
    version,
    rules,
    notifier,
    outbox: store.notifications,
    backups,
    maintenance,
    routines: {
      runs: () => routineGaugeRows(store, loaded.config.routines),
      series: () => routines.series,
    },
  });
  observeLateness = (s) => metrics.lateness.observe(s);
  clusterMetrics(metrics.registry, cluster);

  const firstAdmin = await ensureFirstAdmin(store, opts.env ?? process.env, clock.now());
  const authSettings = () => {
    const a = loaded.config.server.auth;
    return {
      metrics: a.metrics,
      loginAttemptsPerMinute: a.login_attempts_per_minute,
      sessionTtlMs: a.session_ttl,
    };
  };
  const externalAlerts = new ExternalAlerts({
    clock,
    observe: (g, ts, alerts) => notifier.observe(g, ts, alerts),
  });
  const app = buildApp({
    auth: {
      store,
      sessions: sessionManager(store, loaded.config.server.auth.session_ttl),
      now: () => clock.now(),
      settings: authSettings,
    },
    store,
    clock,
    config: () => loaded,
    monitor: m,
    rules,
    notifier,
    queryable: store.queryable,
    metrics: metrics.registry,
    version,
    onHeartbeat: (name) => m.runNow(name),
    routines,
    acks: escalations,
    jobs: runner,
    events,
    scrubber,
    writes: () => buffer.failure,
    probes,
    externalAlerts,
    cluster: cluster.membership,
    // dist/daemon.js → dist/web, where `npm run build` puts the dashboard
    webRoot: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
  });

  const listen = parseListen(opts.listen ?? loaded.config.server.listen);
  try {
    await app.listen(listen);
  } catch (e) {
    await cluster.leave();
    await store.close();
    const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new VigilError(
      'SERVER_LISTEN_FAILED',
      `cannot listen on ${listen.host}:${listen.port}: ${inUse ? 'the port is in use' : describe(e)}`,
      {
        hint: inUse ? 'stop the other process or set server.listen to a free port' : 'check server.listen',
        cause: e,
      },
    );
  }
  const address = app.server.address();
  const scheme = loaded.config.server.tls ? 'https' : 'http';
  const url = typeof address === 'object' && address ? `${scheme}://${listen.host}:${address.port}` : '';
  cluster.setUrl(url);
  await notifier.start();
  onLeadership = (leading) => {
    if (!leading) return notifier.follow();
    notifier
      .lead()
      // External alerts every node received (Prometheus sends to all of them) now route from here.
      .then(() => externalAlerts.receive([]))
      .catch((e) => log.error({ err: describe(e) }, 'taking over the alerts from the store failed'));
  };
  m.start(loaded.config.checks);
  rules.start(setup.groups);
  backups.start(loaded.config.backups.jobs);
  maintenance.start(loaded.config.maintenance);
  routines.start(loaded.config.routines);
  escalations.start();
  probes.reload();
  runner.set(
    'housekeeping',
    housekeepingJobs({
      clock,
      store,
      config: () => loaded.config,
      log: { ...logTo, debug: (o, m) => log.debug(o, m) },
    }),
  );
  runner.start();
  log.info({ url, version }, 'Vigil is up');

  let stopped: Promise<void> | undefined;
  return {
    app,
    jobs: runner,
    url,
    ...(firstAdmin ? { firstAdmin } : {}),
    config: () => loaded,
    async reload() {
      let next: LoadedConfig;
      let groups: ReturnType<typeof loadSetup>['groups'];
      try {
        ({ loaded: next, groups } = loadSetup(opts.configPath, opts.env ?? process.env));
      } catch (e) {
        const problems =
          e instanceof VigilError ? e.problems.map((p) => `${p.where}: ${p.message}`) : [describe(e)];
        log.error({ problems }, 'new configuration refused; the running one stays in force');
        return;
      }
      if (
        next.config.storage !== loaded.config.storage ||
        next.config.server.listen !== loaded.config.server.listen
      ) {
        log.warn('storage and server.listen take effect on restart only');
      }
      scrubber.add(next.secretValues);
      try {
        if (reloadTls(app.server, next)) log.info('TLS certificate reloaded');
      } catch (e) {
        log.error({ err: describe(e) }, 'TLS certificate not reloaded; the old one stays in use');
      }
      loaded = next;
      m.reload(next.config.checks);
      rules.reload(groups);
      notifier.reload();
      notifier.ruleGroupsChanged(groups.map((g) => g.id));
      backupService.reload(next.config.backups.jobs);
      backups.reload(next.config.backups.jobs);
      maintenance.reload(next.config.maintenance);
      routines.reload(next.config.routines);
      probes.reload();
      log.info({ checks: next.config.checks.length, ruleGroups: groups.length }, 'configuration reloaded');
    },
    stop(deadlineMs = 10_000) {
      stopped ??= (async () => {
        await Promise.all([runner.stop(deadlineMs), backups.stop(), maintenance.stop(), routines.stop()]);
        await notifier.stop(deadlineMs);
        // No work left here: give the leases back, so the other nodes take over now, not at the TTL.
        await cluster.leave();
        await app.close();
        await buffer.flush();
        buffer.close();
        await store.close();
        log.info('Vigil stopped');
      })();
      return stopped;
    },
  };
}

function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

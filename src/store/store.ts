import { Kysely, Migrator, sql } from 'kysely';
import type { CheckResult } from '../checks/types.js';
import { redactUrl } from '../config/redact.js';
import { describe, VigilError } from '../errors.js';
import { alertsRepo } from './alerts.js';
import { sessionsRepo, tokensRepo, usersRepo } from './auth.js';
import { backupsRepo } from './backups.js';
import { changesRepo } from './changes.js';
import { checkStateRepo } from './check-state.js';
import { checksRepo } from './checks.js';
import { clusterRepo } from './cluster.js';
import type { StoreDialect } from './dialects/capabilities.js';
import { escalationsRepo } from './escalations.js';
import { Head, withHead } from './head.js';
import { heartbeatsRepo } from './heartbeats.js';
import { incidentsRepo } from './incidents.js';
import { jobsRepo } from './jobs.js';
import { migrationProvider } from './migrations/index.js';
import { notificationsRepo } from './notifications.js';
import { probesRepo } from './probes.js';
import { resultsRepo } from './results.js';
import { rollupsRepo } from './rollups.js';
import { routinesRepo } from './routines.js';
import { samplesRepo, type TimedSample } from './samples.js';
import { silencesRepo } from './silences.js';
import { statusRepo } from './status.js';
import type { Tables } from './tables.js';

export interface RetentionPolicy {
  results: number;
  samples: number;
  minute_rollups: number;
  hour_rollups: number;
  day_rollups: number;
}

export type Store = Awaited<ReturnType<typeof openStore>>;

/** `sqlite:./vigil.db`, `sqlite::memory:` or `postgres://…`; migrated and ready. */
export async function openStore(url: string, opts: { now?: () => number } = {}) {
  const dialect = await dialectFor(url);
  const db = new Kysely<Tables>({ dialect: dialect.kysely });
  try {
    // Capabilities are built side by side, each adding its own numbered migration; a store that
    // already ran a later number must still accept an earlier one that lands after it.
    const { error } = await new Migrator({
      db,
      provider: migrationProvider(dialect),
      allowUnorderedMigrations: true,
    }).migrateToLatest();
    if (error) throw error;
  } catch (e) {
    await db.destroy().catch(() => {});
    await dialect.close();
    throw storeError(url, e);
  }
  const results = resultsRepo(db, dialect);
  const samples = samplesRepo(db, dialect);
  // One writer only: with PostgreSQL, other nodes write samples this process never sees.
  const head = dialect.name === 'sqlite' ? new Head(15 * 60_000, (opts.now ?? Date.now)()) : undefined;
  const queryable = head ? withHead(head, samples.queryable) : samples.queryable;
  const rollups = rollupsRepo(db, dialect);
  const checks = checksRepo(db);
  const heartbeats = heartbeatsRepo(db);
  const alerts = alertsRepo(db, dialect);
  const notifications = notificationsRepo(db, dialect);
  const silences = silencesRepo(db);
  const incidents = incidentsRepo(db);
  const state = checkStateRepo(db, opts.now);
  const backups = backupsRepo(db);
  const changes = changesRepo(db);
  const routines = routinesRepo(db);
  const users = usersRepo(db);
  const tokens = tokensRepo(db);
  const sessions = sessionsRepo(db);
  const jobs = jobsRepo(db);
  const cluster = clusterRepo(db);
  const escalations = escalationsRepo(db);
  const status = statusRepo(db);
  const probes = probesRepo(db, dialect);

  return {
    dialect: dialect.name,
    db,
    checks,
    results,
    samples,
    /** what PromQL reads: recent samples from memory where possible, the rest from the database */
    queryable,
    rollups,
    heartbeats,
    alerts,
    notifications,
    silences,
    incidents,
    /** what checks and rotations remember across restarts */
    state,
    backups,
    /** change records and their timelines */
    changes,
    /** routine runs, sign-offs, baselines and maintenance runs */
    routines,
    /** who may use Vigil: users, API tokens, browser sessions */
    users,
    tokens,
    sessions,
    /** the job runner's history: first sight and last run of each timed job */
    jobs,
    /** nodes, leases and claims of several daemons on one database */
    cluster,
    /** escalations under way and the keys that sign acknowledgement links */
    escalations,
    /** the status page's incidents and updates as operators post them, and its subscribers */
    status,
    /** probe agents and the results of checks run from several locations */
    probes,

    /**
     * Results, their samples, the checks' latest state and rollups, plus
     * samples from elsewhere (rule outputs): all or nothing.
     */
    async record(batch: readonly CheckResult[], extra: readonly TimedSample[] = []): Promise<void> {
      if (!batch.length && !extra.length) return;
      if (dialect.bulkRecord) {
        await dialect.bulkRecord(batch, extra);
        head?.append(batch, extra);
        return;
      }
      await db.transaction().execute(async (trx) => {
        if (batch.length) {
          await results.insert(trx, batch);
          await checks.upsertLatest(trx, batch);
          await rollups.add(trx, batch);
        }
        await samples.insert(trx, [
          ...batch.flatMap((r) => r.samples.map((s) => ({ ...s, ts: s.ts ?? r.startedAt }))),
          ...extra,
        ]);
      });
    },

    async ping(): Promise<void> {
      await sql`select 1`.execute(db);
    },

    async prune(policy: RetentionPolicy, now: number) {
      return {
        results: await results.prune(now - policy.results),
        locationResults: await probes.prune(now - policy.results),
        samples: await samples.prune(now - policy.samples),
        heartbeats: await heartbeats.prune(now - policy.results),
        alertTransitions: await alerts.prune(now - policy.results),
        notifications: await notifications.prune(now - policy.results),
        silences: await silences.prune(now - policy.results),
        sessions: await sessions.prune(now),
        jobClaims: await cluster.pruneClaims(now - policy.results),
        minuteRollups: await rollups.prune('m', now - policy.minute_rollups),
        hourRollups: await rollups.prune('h', now - policy.hour_rollups),
        dayRollups: await rollups.prune('d', now - policy.day_rollups),
      };
    },

    async close(): Promise<void> {
      await db.destroy();
      await dialect.close();
    },
  };
}

/** Each dialect (and its driver) is loaded only when a store of that kind is opened. */
async function dialectFor(url: string): Promise<StoreDialect> {
  if (url.startsWith('sqlite:')) {
    const { sqliteDialect } = await import('./dialects/sqlite.js');
    return sqliteDialect(url.slice('sqlite:'.length).replace(/^\/\//, '') || ':memory:');
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { postgresDialect } = await import('./dialects/postgres.js');
    return postgresDialect(url);
  }
  throw new VigilError('CONFIG_INVALID', `unsupported storage URL ${redactUrl(url)}`, {
    hint: 'use sqlite:./vigil.db or postgres://user@host/db',
  });
}

function storeError(url: string, e: unknown): VigilError {
  if (e instanceof VigilError) return e;
  const msg = describe(e);
  const readOnly = /readonly|read-only|SQLITE_CANTOPEN|EACCES|permission/i.test(msg);
  return new VigilError(
    readOnly ? 'STORE_NOT_WRITABLE' : 'STORE_UNREACHABLE',
    `cannot use the store ${redactUrl(url)}: ${msg}`,
    {
      hint: readOnly
        ? 'make the database file and its directory writable by this user'
        : 'check that the database is running and the URL in storage: is right',
      cause: e,
    },
  );
}

/** Passwords in URLs never reach a log line or an error message. */
export { redactUrl };

import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Sample } from '../checks/types.js';
import type { BackupJob, VerifyLevel, VerifySchedule } from '../config/backups.js';
import type { Clock } from '../core/clock.js';
import { applyRetention, type RetentionDecision } from '../core/retention.js';
import { describe, VigilError } from '../errors.js';
import type { BackupRecord, BackupsRepo, VerificationRecord } from '../store/backups.js';
import { BackupFailed, sha256File } from './pipeline.js';
import { backupSources } from './registry.js';
import type { Manifest, Repository } from './repository.js';
import type { BackupSource } from './types.js';

export interface BackupServiceDeps {
  repository: Repository;
  catalogue: BackupsRepo;
  clock: Clock;
  version: string;
  /** the zone of retention's calendar buckets */
  timezone: string;
  /** samples for alert rules (backup_last_success_timestamp_seconds…), recorded as they happen */
  recordSamples?(samples: (Sample & { ts: number })[]): Promise<void> | void;
}

export interface PruneDecision extends RetentionDecision {
  job: string;
}

/**
 * Runs, verifies, restores and prunes backups: the repository holds the
 * artifacts, the catalogue what happened to them. Every step is recorded,
 * failures included, so a broken backup is never reported as good.
 */
export class BackupService {
  #deps: BackupServiceDeps;
  #jobs: readonly BackupJob[];

  constructor(deps: BackupServiceDeps, jobs: readonly BackupJob[]) {
    this.#deps = deps;
    this.#jobs = jobs;
  }

  get jobs(): readonly BackupJob[] {
    return this.#jobs;
  }

  reload(jobs: readonly BackupJob[]): void {
    this.#jobs = jobs;
  }

  job(name: string): BackupJob {
    const job = this.#jobs.find((j) => j.name === name);
    if (!job) {
      throw new VigilError('BACKUP_JOB_NOT_FOUND', `no backup job named "${name}"`, {
        hint: `configured: ${this.#jobs.map((j) => j.name).join(', ') || 'none'}`,
      });
    }
    return job;
  }

  /**
   * Remove what a crashed run left (temporary directories) and catalogue any
   * committed backup the crash kept from being recorded. Run at start.
   */
  async recover(): Promise<{ cleaned: number; catalogued: number }> {
    const cleaned = await this.#deps.repository.cleanup();
    let catalogued = 0;
    for (const b of await this.#deps.repository.list()) {
      if (await this.#deps.catalogue.get(b.manifest.id)) continue;
      await this.#deps.catalogue.record(recordOf(b.manifest, b.dir));
      catalogued++;
    }
    return { cleaned, catalogued };
  }

  /** One backup of one job: dump, check, commit, record. Throws BackupFailed after recording the failure. */
  async run(
    name: string,
    opts: { signal?: AbortSignal; onProgress?: (bytes: number) => void } = {},
  ): Promise<BackupRecord> {
    const job = this.job(name);
    const source = backupSources[job.source] as BackupSource<unknown>;
    const { repository, catalogue, clock } = this.#deps;
    const id = randomBytes(4).toString('hex');
    const startedAt = clock.now();
    const staged = await repository.stage(job.name, id, startedAt);
    const signal = opts.signal ?? new AbortController().signal;
    try {
      const dumped = await source.dump(job.spec, { dir: staged, signal, onProgress: opts.onProgress });
      const files = await filesOf(staged);
      const size = files.reduce((n, f) => n + f.size, 0);
      if (size < job.minSize) {
        throw new BackupFailed(
          `the backup is ${size} bytes, below the minimum of ${job.minSize}`,
          'an empty or truncated dump is not a backup: check the source, or lower min_size',
        );
      }
      const endedAt = clock.now();
      const manifest: Manifest = {
        id,
        job: job.name,
        source: job.source,
        target: source.describe(job.spec),
        startedAt: new Date(startedAt).toISOString(),
        endedAt: new Date(endedAt).toISOString(),
        durationMs: endedAt - startedAt,
        files,
        size,
        tools: dumped.tools,
        facts: dumped.facts ?? {},
        vigil: this.#deps.version,
      };
      const stored = await repository.commit(staged, manifest);
      const record = recordOf(manifest, stored.dir);
      await catalogue.record(record);
      await this.#samples([
        { name: 'backup_last_success_timestamp_seconds', labels: { job: job.name }, value: endedAt / 1000 },
        { name: 'backup_size_bytes', labels: { job: job.name }, value: size },
        { name: 'backup_duration_seconds', labels: { job: job.name }, value: (endedAt - startedAt) / 1000 },
      ]);
      return record;
    } catch (e) {
      await repository.abandon(staged).catch(() => {});
      const failure = e instanceof BackupFailed ? e : new BackupFailed(describe(e), undefined, e);
      const endedAt = clock.now();
      await catalogue.record({
        id,
        job: job.name,
        source: job.source,
        status: 'failed',
        startedAt,
        endedAt,
        size: null,
        sha256: null,
        location: null,
        manifest: null,
        error: failure.message,
      });
      await this.#samples([
        { name: 'backup_last_failure_timestamp_seconds', labels: { job: job.name }, value: endedAt / 1000 },
      ]);
      throw failure;
    }
  }

  /** Check a backup at a level (each level includes the checksum) and record the outcome. */
  async verify(id: string, level: VerifyLevel, schedule?: VerifySchedule): Promise<VerificationRecord> {
    const backup = await this.get(id);
    const job = this.#jobs.find((j) => j.name === backup.job);
    const source = backupSources[backup.source as keyof typeof backupSources] as BackupSource<unknown>;
    const spec = job?.spec ?? {};
    const plan = schedule ?? job?.verify.find((v) => v.level === level);
    const started = this.#deps.clock.now();
    let message: string;
    let ok = true;
    let target: string | null = null;
    try {
      const stored = await this.#stored(backup);
      message = await checksum(stored.dir, stored.manifest);
      if (level === 'read') message = await source.read(spec, stored.dir, AbortSignal.timeout(6 * 3600_000));
      if (level === 'restore') {
        if (!job)
          throw new BackupFailed(`job "${backup.job}" is no longer configured: cannot restore-test it`);
        const scratch = await source.scratch(spec, {
          name: `${backup.job}_${backup.id}_${started.toString(36)}`,
          into: plan?.restore_into,
        });
        target = scratch.label;
        try {
          await source.restore(spec, stored.dir, scratch.target, AbortSignal.timeout(6 * 3600_000));
          const checks = [
            ...(plan?.assert ?? []),
            ...Object.entries(plan?.min_rows ?? {}).map(
              ([table, n]) => `select count(*) >= ${n} from ${table}`,
            ),
          ];
          // Nothing configured to assert: a restore of an empty database must not pass silently.
          const asserted = checks.length > 0;
          if (!asserted && source.tablesExist) checks.push(source.tablesExist);
          const failed: string[] = [];
          for (const check of checks) {
            const held = await scratch.assert(check).catch((e) => {
              failed.push(`${check}: ${describe(e)}`);
              return true;
            });
            if (!held) failed.push(`${check}: false`);
          }
          if (failed.length && !asserted)
            throw new BackupFailed(
              `restored, but the restored database has no table (${failed.join('; ')})`,
              'an empty backup is not a backup; add assert or min_rows to the verify schedule to prove the data',
            );
          if (failed.length) throw new BackupFailed(`restored, but assertions failed: ${failed.join('; ')}`);
          message = asserted
            ? `restored into ${scratch.label}; ${checks.length} assertion${checks.length === 1 ? '' : 's'} held`
            : `restored into ${scratch.label}; NO ASSERTION CONFIGURED: ${checks.length ? 'checked only that tables exist' : 'nothing was checked'} (add assert or min_rows)`;
        } finally {
          await scratch.drop();
        }
      }
    } catch (e) {
      ok = false;
      message = describe(e);
    }
    const at = this.#deps.clock.now();
    const record: VerificationRecord = {
      backupId: backup.id,
      job: backup.job,
      level,
      at,
      durationMs: at - started,
      ok,
      message,
      target,
    };
    await this.#deps.catalogue.addVerification(record);
    await this.#samples([
      {
        name: ok
          ? 'backup_verify_last_success_timestamp_seconds'
          : 'backup_verify_last_failure_timestamp_seconds',
        labels: { job: backup.job, level },
        value: at / 1000,
      },
    ]);
    return record;
  }

  /** Restore a backup into a target; refuses one that holds data unless forced, and says what is there. */
  async restore(
    id: string,
    to: string,
    opts: { force?: boolean; signal?: AbortSignal } = {},
  ): Promise<string> {
    const backup = await this.get(id);
    const source = backupSources[backup.source as keyof typeof backupSources] as BackupSource<unknown>;
    const spec = this.#jobs.find((j) => j.name === backup.job)?.spec ?? {};
    const stored = await this.#stored(backup);
    await checksum(stored.dir, stored.manifest);
    const live = await source.existing(spec, to);
    if (live && !opts.force) {
      throw new VigilError(
        'RESTORE_TARGET_LIVE',
        `the target is not empty: restoring would overwrite ${live}`,
        {
          hint: 'restore into an empty target, or add --force to overwrite it',
        },
      );
    }
    await source.restore(spec, stored.dir, to, opts.signal ?? AbortSignal.timeout(24 * 3600_000));
    return live ? `overwrote ${live}` : 'restored into an empty target';
  }

  /** What retention would keep and delete, per job with a keep policy, with the reason for each. */
  async plan(jobName?: string): Promise<PruneDecision[]> {
    const jobs = jobName ? [this.job(jobName)] : this.#jobs;
    const out: PruneDecision[] = [];
    for (const job of jobs) {
      if (!job.keep) continue;
      const backups = await this.#deps.catalogue.list({ job: job.name });
      const verifications = await this.#deps.catalogue.verifications({ backupIds: backups.map((b) => b.id) });
      const latest = new Map<string, boolean>();
      for (const v of verifications) if (!latest.has(v.backupId)) latest.set(v.backupId, v.ok);
      const decisions = applyRetention(
        backups.map((b) => ({
          id: b.id,
          time: b.startedAt,
          complete: b.sha256 !== null && b.location !== null,
          verified: latest.has(b.id) ? (latest.get(b.id) ? 'ok' : 'failed') : undefined,
        })),
        job.keep,
        this.#deps.timezone,
      );
      out.push(...decisions.map((d) => ({ ...d, job: job.name })));
    }
    return out;
  }

  /** Apply retention: delete what no rule keeps (unless dryRun). */
  async prune(jobName?: string, dryRun = false): Promise<PruneDecision[]> {
    const decisions = await this.plan(jobName);
    if (dryRun) return decisions;
    for (const d of decisions) {
      if (d.keep) continue;
      const job = this.job(d.job);
      const source = backupSources[job.source] as BackupSource<unknown>;
      const stored = await this.#deps.repository.get(d.id);
      if (stored && source.discard)
        await source.discard(job.spec, stored.dir, AbortSignal.timeout(6 * 3600_000));
      await this.#deps.repository.delete(d.id);
      await this.#deps.catalogue.setStatus(d.id, 'pruned');
    }
    return decisions;
  }

  async get(id: string): Promise<BackupRecord> {
    const b = await this.#deps.catalogue.get(id);
    if (b?.status !== 'ok') {
      throw new VigilError(
        'BACKUP_NOT_FOUND',
        `no backup "${id}"${b ? ` (it ${b.status === 'failed' ? 'failed' : 'was pruned'})` : ''}`,
        {
          hint: 'vigil backup list shows the backups there are',
        },
      );
    }
    return b;
  }

  async #stored(b: BackupRecord) {
    const stored = await this.#deps.repository.get(b.id);
    if (!stored) throw new BackupFailed(`backup ${b.id} is catalogued but missing from the repository`);
    return stored;
  }

  async #samples(samples: Sample[]): Promise<void> {
    const ts = this.#deps.clock.now();
    await this.#deps.recordSamples?.(samples.map((s) => ({ ...s, ts })));
  }
}

/** Re-hash every file against the manifest. */
export async function checksum(dir: string, manifest: Manifest): Promise<string> {
  for (const f of manifest.files) {
    const actual = await sha256File(path.join(dir, f.name)).catch((e) => {
      throw new BackupFailed(`${f.name} cannot be read: ${describe(e)}`);
    });
    if (actual.size !== f.size || actual.sha256 !== f.sha256) {
      throw new BackupFailed(
        `${f.name} does not match its manifest (${actual.size} bytes, sha256 ${actual.sha256.slice(0, 12)}…; expected ${f.size} bytes, ${f.sha256.slice(0, 12)}…)`,
      );
    }
  }
  return `${manifest.files.length} files match their sha256`;
}

async function filesOf(dir: string): Promise<Manifest['files']> {
  const names = (await readdir(dir)).sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      return { name, ...(await sha256File(file)) };
    }),
  );
}

function recordOf(m: Manifest, dir: string): BackupRecord {
  return {
    id: m.id,
    job: m.job,
    source: m.source,
    status: 'ok',
    startedAt: Date.parse(m.startedAt),
    endedAt: Date.parse(m.endedAt),
    size: m.size,
    sha256: m.files[0]?.sha256 ?? null,
    location: dir,
    manifest: m,
    error: null,
  };
}

import path from 'node:path';
import type { BackupJob } from '../config/backups.js';
import type { VigilConfig } from '../config/schema.js';
import { VigilError } from '../errors.js';
import { localRepository } from './local-repository.js';
import { backupSources } from './registry.js';
import type { StoredBackup } from './repository.js';
import { checksum } from './service.js';
import type { BackupSource } from './types.js';

export interface StoreRestorePlan {
  job: BackupJob;
  backup: StoredBackup;
  /** where the store lives: a SQLite file or a postgres:// URL */
  target: string;
}

/**
 * The backup job that backs up Vigil's own store: a sqlite job on the storage file, or a postgres
 * job on the storage URL. Compared as the store opens them, so `./vigil.db` and its absolute path
 * are one file.
 */
export function storeJob(config: VigilConfig, name?: string): { job: BackupJob; target: string } {
  const target = storeTarget(config.storage);
  const jobs = config.backups.jobs;
  const job = name
    ? jobs.find((j) => j.name === name)
    : jobs.find((j) => sameTarget(j, target, config.storage));
  if (!job) {
    throw new VigilError(
      name ? 'BACKUP_JOB_NOT_FOUND' : 'USAGE',
      name
        ? `no backup job named "${name}"`
        : `no backup job backs up the store ${config.storage.startsWith('sqlite:') ? target : 'URL'}`,
      {
        hint: config.storage.startsWith('sqlite:')
          ? `add a job with sqlite: { path: ${target} } under backups.jobs (see examples/vigil.yaml)`
          : 'add a job with postgres: { url: <the storage URL> } under backups.jobs',
      },
    );
  }
  const kind = config.storage.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  if (job.source !== kind) {
    throw new VigilError('USAGE', `backup job "${job.name}" is a ${job.source} job; the store is ${kind}`, {
      hint: `name the job that backs up the store, a ${kind} job`,
    });
  }
  return { job, target };
}

/** The newest complete backup of the store's job, or the one named by id (a prefix will do). */
export async function planStoreRestore(
  config: VigilConfig,
  configFile: string,
  opts: { job?: string; backup?: string } = {},
): Promise<StoreRestorePlan> {
  const { job, target } = storeJob(config, opts.job);
  // The catalogue lives in the store being restored: read the repository itself.
  const root = path.resolve(path.dirname(configFile), config.backups.repository);
  const backups = await localRepository(root).list(job.name);
  const backup = opts.backup
    ? backups.find((b) => b.manifest.id === opts.backup || b.manifest.id.startsWith(opts.backup!))
    : backups[0];
  if (!backup) {
    throw new VigilError(
      'BACKUP_NOT_FOUND',
      opts.backup
        ? `no backup ${opts.backup} of job "${job.name}" in ${root}`
        : `no backup of job "${job.name}" in ${root}`,
      {
        hint: `list them with \`ls ${path.join(root, job.name)}\`; make one with \`vigil backup run ${job.name}\``,
      },
    );
  }
  return { job, backup, target };
}

/**
 * Bring Vigil's store back from a backup: check the files against their manifest, refuse to
 * overwrite a store that holds data unless forced, then restore with the source's native tool.
 */
export async function restoreStore(
  plan: StoreRestorePlan,
  opts: { force?: boolean; signal?: AbortSignal } = {},
): Promise<{ overwrote?: string }> {
  const source = backupSources[plan.job.source] as BackupSource<unknown>;
  await checksum(plan.backup.dir, plan.backup.manifest);
  const live = await source.existing(plan.job.spec, plan.target);
  if (live && !opts.force) {
    throw new VigilError('RESTORE_TARGET_LIVE', `the store is not empty: restoring would overwrite ${live}`, {
      hint: 'stop Vigil first; add --force to replace the store with the backup',
    });
  }
  await source.restore(
    plan.job.spec,
    plan.backup.dir,
    plan.target,
    opts.signal ?? AbortSignal.timeout(24 * 3600_000),
  );
  return live ? { overwrote: live } : {};
}

/** A SQLite store's file (resolved against the working directory, as the store opens it) or the URL. */
function storeTarget(storage: string): string {
  if (!storage.startsWith('sqlite:')) return storage;
  return path.resolve(storage.slice('sqlite:'.length).replace(/^\/\//, ''));
}

function sameTarget(job: BackupJob, target: string, storage: string): boolean {
  const spec = job.spec as { path?: string; url?: string };
  if (storage.startsWith('sqlite:'))
    return job.source === 'sqlite' && path.resolve(spec.path ?? '') === target;
  return job.source === 'postgres' && spec.url !== undefined && sameDatabase(spec.url, target);
}

/** postgres://u@h:5432/db and postgresql://u:pw@h/db name one database. */
function sameDatabase(a: string, b: string): boolean {
  const key = (s: string) => {
    try {
      const u = new URL(s.replace(/^postgresql:/, 'postgres:'));
      return `${u.username}@${u.hostname}:${u.port || '5432'}${u.pathname}`;
    } catch {
      return s;
    }
  };
  return key(a) === key(b);
}

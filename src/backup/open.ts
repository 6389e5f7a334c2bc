import path from 'node:path';
import type { LoadedConfig } from '../config/loader.js';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';
import { version } from '../version.js';
import { localRepository } from './local-repository.js';
import { BackupService, type BackupServiceDeps } from './service.js';

/** The backup service for a loaded config: its repository resolved beside vigil.yaml, its catalogue in the store. */
export function backupServiceFor(
  loaded: LoadedConfig,
  store: Store,
  clock: Clock,
  recordSamples: BackupServiceDeps['recordSamples'] = (samples) => store.record([], samples),
): BackupService {
  const { backups } = loaded.config;
  const root = path.resolve(path.dirname(loaded.file), backups.repository);
  return new BackupService(
    {
      repository: localRepository(root),
      catalogue: store.backups,
      clock,
      version,
      timezone: backups.timezone,
      recordSamples,
    },
    backups.jobs,
  );
}

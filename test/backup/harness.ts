import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { localRepository } from '../../src/backup/local-repository.js';
import { BackupService } from '../../src/backup/service.js';
import { backupsSchema } from '../../src/config/backups.js';
import { systemClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';

export interface Harness {
  dir: string;
  repo: string;
  store: Store;
  service: BackupService;
  samples: { name: string; labels?: Record<string, string>; value: number }[];
  close(): Promise<void>;
}

/** A backup service over a real SQLite store and a local repository in a temp dir. */
export async function harness(jobs: unknown[], opts: { repo?: string } = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-backup-test-'));
  const repo = opts.repo ?? path.join(dir, 'repo');
  const store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
  const config = backupsSchema.parse({ repository: repo, jobs });
  const samples: Harness['samples'] = [];
  const service = new BackupService(
    {
      repository: localRepository(repo),
      catalogue: store.backups,
      clock: systemClock,
      version: 'test',
      timezone: 'UTC',
      recordSamples: (s) => {
        samples.push(...s);
      },
    },
    config.jobs,
  );
  return {
    dir,
    repo,
    store,
    service,
    samples,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fail under CI when a server the tests need is missing; otherwise say so and skip. */
export function required(what: string, reachable: boolean): boolean {
  if (!reachable && process.env.CI === 'true') throw new Error(`${what} is required under CI=true`);
  if (!reachable) console.warn(`skipping: ${what} is not reachable`);
  return reachable;
}

import type { Clock } from '../core/clock.js';
import { describe } from '../errors.js';
import { logFiles, type RotationResult, rotateFile } from '../logs/rotate.js';
import type { LogEntry } from '../logs/rotate-config.js';
import { HOUSEKEEPING, JobRunner, type ScheduledJob } from '../scheduler/job-runner.js';

export interface RotationStore {
  get(owner: string, key: string): Promise<unknown>;
  set(owner: string, key: string, value: unknown): Promise<void>;
}

/**
 * Rotates every configured log that is due. Entries run one after another, so
 * two rotations never race on one directory; one failing entry does not stop
 * the others. The last rotation per file lives in the store (a corrupt record
 * reads as "never", which falls back to the file's modification time).
 */
export async function rotateAll(
  entries: readonly LogEntry[],
  deps: { now: number; store: RotationStore; dryRun?: boolean; cwd?: string },
): Promise<{ results: RotationResult[]; errors: { file: string; error: unknown }[] }> {
  const results: RotationResult[] = [];
  const errors: { file: string; error: unknown }[] = [];
  for (const entry of entries) {
    if (!entry.rotate) continue;
    let files: string[];
    try {
      // A glob that matches nothing is an error unless missing_ok, as logrotate reports it.
      files = logFiles(entry.path, entry.rotate, deps.cwd);
    } catch (error) {
      errors.push({ file: entry.path, error });
      continue;
    }
    for (const file of files) {
      try {
        results.push(
          await rotateFile(
            file,
            entry.rotate,
            {
              now: deps.now,
              lastRotated: async (f) => {
                const v = (await deps.store.get('rotate', f)) as { at?: unknown } | undefined;
                return typeof v?.at === 'number' && Number.isFinite(v.at) ? v.at : undefined;
              },
              recordRotated: (f, at) => deps.store.set('rotate', f, { at }),
            },
            deps.dryRun,
          ),
        );
      } catch (error) {
        errors.push({ file, error });
      }
    }
  }
  return { results, errors };
}

/**
 * The daemon's rotation job: every few minutes, rotate what is due. A pass
 * missed while Vigil was down is skipped: the next pass rotates whatever fell
 * due meanwhile, once, since the last rotation is kept per file.
 */
export function rotationJob(deps: {
  clock: Clock;
  entries: () => readonly LogEntry[];
  store: RotationStore;
  log: { info(o: object, m: string): void; error(o: object, m: string): void };
  everyMs?: number;
  /** told after each pass, with what it did */
  onPass?(pass: Awaited<ReturnType<typeof rotateAll>>): void;
}): ScheduledJob {
  return {
    id: 'rotation:logs',
    phaseKey: HOUSEKEEPING,
    kind: 'rotation',
    pool: 'tasks',
    missed: 'skip',
    schedule: { type: 'every', everyMs: deps.everyMs ?? 5 * 60_000 },
    async run() {
      const { results, errors } = await rotateAll(deps.entries(), {
        now: deps.clock.now(),
        store: deps.store,
      });
      for (const r of results)
        if (r.rotated) deps.log.info({ file: r.file, reason: r.reason }, 'log rotated');
      for (const e of errors) deps.log.error({ file: e.file, err: describe(e.error) }, 'log rotation failed');
      deps.onPass?.({ results, errors });
      const rotated = results.filter((r) => r.rotated).length;
      return errors.length
        ? { ok: false, message: `${errors.length} of ${results.length + errors.length} files failed` }
        : { ok: true, message: `${rotated} rotated` };
    },
  };
}

/** The rotation job on a runner of its own (tests, and anything run outside the daemon). */
export function startRotation(deps: Parameters<typeof rotationJob>[0]): { stop(): Promise<void> } {
  const runner = JobRunner.standalone(deps.clock);
  runner.set('rotation', [rotationJob(deps)]);
  runner.start();
  return { stop: () => runner.stop(0) };
}

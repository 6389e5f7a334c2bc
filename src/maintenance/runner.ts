import type { MaintenanceTask } from '../config/maintenance.js';
import type { Clock } from '../core/clock.js';
import { describe } from '../errors.js';
import type { MaintenanceRun } from '../store/routines.js';
import type { RetentionPolicy, Store } from '../store/store.js';
import { taskKinds } from './registry.js';

export interface TaskDeps {
  store: Store;
  clock: Clock;
  baseDir: string;
  retention: RetentionPolicy;
  /** shutdown: running tasks are cancelled like at their timeout */
  signal?: AbortSignal;
}

/**
 * Run one task with its timeout enforced (the kind cancels its work on the
 * server when the signal aborts) and record its duration and outcome.
 */
export async function runTask(task: MaintenanceTask, deps: TaskDeps): Promise<MaintenanceRun> {
  const kind = taskKinds[task.kind];
  const abort = new AbortController();
  let timedOut = false;
  // The task's deadline (at most 24 days, the config refuses more), not scheduled work.
  const timer = deps.clock.setTimer(task.timeoutMs, () => {
    timedOut = true;
    abort.abort();
  });
  const onStop = () => abort.abort();
  deps.signal?.addEventListener('abort', onStop, { once: true });
  const startedAt = deps.clock.now();
  const t0 = performance.now();
  let status: MaintenanceRun['status'] = 'ok';
  let message: string;
  try {
    message = await kind.run(task.spec as never, {
      signal: abort.signal,
      timeoutMs: task.timeoutMs,
      baseDir: deps.baseDir,
      now: () => deps.clock.now(),
      store: deps.store,
      retention: deps.retention,
    });
    if (timedOut) throw new Error('cancelled: the task ran past its timeout');
  } catch (e) {
    status = timedOut ? 'timeout' : 'failed';
    message = timedOut ? `cancelled after the timeout of ${task.timeoutMs} ms: ${describe(e)}` : describe(e);
  } finally {
    timer.cancel();
    deps.signal?.removeEventListener('abort', onStop);
  }
  const run: MaintenanceRun = {
    task: task.name,
    kind: task.kind,
    startedAt,
    durationMs: Math.round(performance.now() - t0),
    status,
    message: message.slice(0, 2000),
  };
  await deps.store.routines.recordMaintenance(run);
  return run;
}

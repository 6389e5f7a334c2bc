import path from 'node:path';
import { loadConfig } from '../config/loader.js';
import { systemClock } from '../core/clock.js';
import { VigilError } from '../errors.js';
import { runTask } from '../maintenance/runner.js';
import { fmtMs } from '../routines/steps/types.js';
import { openStore } from '../store/store.js';
import { configPath } from './config-path.js';
import { type Io, paint, table } from './output.js';
import { isoTime, withStore } from './with-store.js';

/** `vigil maintenance run [task]`: run tasks now, recorded like scheduled runs; exit 1 if any fails. */
export async function maintenanceRunCommand(
  io: Io,
  name: string | undefined,
  opts: { config?: string; json?: boolean },
) {
  const loaded = loadConfig(configPath(io, opts.config), io.env);
  const tasks = loaded.config.maintenance.filter((t) => !name || t.name === name);
  if (name && !tasks.length)
    throw new VigilError('MAINTENANCE_TASK_NOT_FOUND', `no maintenance task named "${name}"`, {
      hint: `tasks: ${loaded.config.maintenance.map((t) => t.name).join(', ')}`,
    });
  const store = await openStore(loaded.config.storage);
  try {
    const runs = [];
    for (const task of tasks) {
      runs.push(
        await runTask(task, {
          store,
          clock: systemClock,
          baseDir: path.dirname(path.resolve(loaded.file)),
          retention: loaded.config.retention,
        }),
      );
    }
    if (opts.json) io.out(JSON.stringify(runs, null, 2));
    else
      io.out(
        table([
          ['TASK', 'STATUS', 'DURATION', 'MESSAGE'],
          ...runs.map((r) => [
            r.task,
            paint(io, r.status === 'ok' ? 'ok' : 'critical', r.status),
            fmtMs(r.durationMs),
            r.message,
          ]),
        ]),
      );
    return runs.every((r) => r.status === 'ok') ? 0 : 1;
  } finally {
    await store.close();
  }
}

export async function maintenanceListCommand(io: Io, opts: { config?: string; json?: boolean }) {
  return withStore(io, opts.config, async (store) => {
    const loaded = loadConfig(configPath(io, opts.config), io.env);
    const rows = [];
    for (const t of loaded.config.maintenance) {
      const [last] = await store.routines.maintenanceRuns({ task: t.name, limit: 1 });
      rows.push({
        task: t.name,
        kind: t.kind,
        cron: t.cron,
        builtin: Boolean(t.builtin),
        last: last ?? null,
      });
    }
    if (opts.json) io.out(JSON.stringify(rows, null, 2));
    else
      io.out(
        table([
          ['TASK', 'KIND', 'CRON', 'LAST RUN', 'STATUS', 'DURATION'],
          ...rows.map((r) => [
            r.task,
            r.kind,
            r.cron,
            r.last ? isoTime(r.last.startedAt) : '-',
            r.last ? paint(io, r.last.status === 'ok' ? 'ok' : 'critical', r.last.status) : '-',
            r.last ? fmtMs(r.last.durationMs) : '-',
          ]),
        ]),
      );
    return 0;
  });
}

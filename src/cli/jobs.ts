import { roughDuration } from '../core/duration.js';
import { jobView, localTime } from '../scheduler/job-view.js';
import { plannedJobs } from '../services/schedule.js';
import { loadSetup } from '../services/setup.js';
import { openStore } from '../store/store.js';
import { configPath } from './config-path.js';
import { type Io, paint, table } from './output.js';

/** `vigil jobs`: the schedule a daemon on this config keeps, read from the config and the store. */
export async function jobsCommand(io: Io, opts: { config?: string; json?: boolean }): Promise<number> {
  const setup = loadSetup(configPath(io, opts.config), io.env);
  const store = await openStore(setup.loaded.config.storage);
  try {
    const now = Date.now();
    const views = (await plannedJobs(setup, store, now)).map(jobView);
    if (opts.json) {
      io.out(JSON.stringify({ jobs: views }, null, 2));
      return 0;
    }
    io.out(
      table([
        ['JOB', 'KIND', 'SCHEDULE', 'NEXT RUN', 'IF MISSED', 'LAST RUN', 'OUTCOME', 'TOOK'],
        ...views.map((j) => {
          const next = j.next_run_at ? Date.parse(j.next_run_at) : undefined;
          return [
            j.id,
            j.kind,
            j.timezone ? `${j.schedule} ${j.timezone}` : j.schedule,
            next === undefined ? '-' : `${localTime(next, j.timezone)} (${relative(next - now)})`,
            j.if_missed,
            j.last_run ? localTime(Date.parse(j.last_run.started_at), j.timezone) : 'never',
            j.last_run ? paint(io, j.last_run.outcome === 'ok' ? 'ok' : 'critical', j.last_run.outcome) : '-',
            j.last_run ? took(j.last_run.duration_ms) : '-',
          ];
        }),
      ]),
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** `in 3d 4h`, `in 12m`, or `overdue: runs at start` for a missed slot a daemon would run once. */
function relative(ms: number): string {
  if (ms < 0) return 'missed: runs at start';
  return `in ${roughDuration(ms)}`;
}

function took(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

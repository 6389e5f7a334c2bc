import { loadConfig } from '../config/loader.js';
import { type ReportFormat, reportFormats } from '../config/routines.js';
import { VigilError } from '../errors.js';
import { renderReport } from '../routines/reports/render.js';
import { findRoutine, reportOnDemand } from '../routines/runner.js';
import { openStore } from '../store/store.js';
import { configPath } from './config-path.js';
import type { Io } from './output.js';
import { parseSince } from './since.js';

export function formatOf(text: string | undefined, fallback: ReportFormat): ReportFormat {
  if (text === undefined) return fallback;
  const f = text === 'md' ? 'markdown' : text;
  if (!(reportFormats as readonly string[]).includes(f))
    throw new VigilError('USAGE', `unknown format "${text}"`, {
      hint: `one of: ${reportFormats.join(', ')}`,
    });
  return f as ReportFormat;
}

/** `vigil report daily|weekly|monthly`: the routine's report built now from what the store holds. */
export async function reportCommand(
  io: Io,
  name: string,
  opts: { config?: string; since?: string; format?: string; json?: boolean },
): Promise<number> {
  const loaded = loadConfig(configPath(io, opts.config), io.env);
  const routine = findRoutine(loaded, name);
  const now = Date.now();
  const since = parseSince(opts.since, now);
  const format = opts.json ? 'json' : formatOf(opts.format, 'markdown');
  const store = await openStore(loaded.config.storage);
  try {
    const report = await reportOnDemand({ store, loaded }, routine, {
      now,
      ...(since !== undefined ? { since } : {}),
    });
    io.out(renderReport(report, format));
    return 0;
  } finally {
    await store.close();
  }
}

import { loadConfig } from '../config/loader.js';
import { VigilError } from '../errors.js';
import { latencyStats } from '../routines/latency.js';
import { fmtMs } from '../routines/steps/types.js';
import { openStore } from '../store/store.js';
import { configPath } from './config-path.js';
import { type Io, table } from './output.js';
import { parseSince } from './since.js';
import { actor, isoTime, withStore } from './with-store.js';

/** `vigil baseline set [checks…]`: p50/p95 of the last period become what performance steps compare against. */
export async function baselineSetCommand(
  io: Io,
  names: string[],
  opts: { config?: string; since?: string; by?: string; json?: boolean },
): Promise<number> {
  const loaded = loadConfig(configPath(io, opts.config), io.env);
  const known = loaded.config.checks.map((c) => c.name);
  for (const n of names)
    if (!known.includes(n))
      throw new VigilError('CHECK_NOT_FOUND', `no check named "${n}"`, {
        hint: `checks: ${known.join(', ') || 'none'}`,
      });
  const now = Date.now();
  const from = parseSince(opts.since ?? '7d', now)!;
  const store = await openStore(loaded.config.storage);
  try {
    const set = [];
    for (const check of names.length ? names : known) {
      const s = await latencyStats(store, check, from, now);
      if (!s) continue;
      const b = {
        check,
        ...s,
        periodFrom: from,
        periodTo: now,
        setAt: now,
        setBy: actor(io, opts.by) || 'cli',
      };
      await store.routines.setBaseline(b);
      set.push(b);
    }
    if (!set.length)
      throw new VigilError('CHECK_FAILED', 'no check ran in the period: no baseline recorded', {
        hint: 'let the checks run for a while, or widen --since',
      });
    if (opts.json) io.out(JSON.stringify(set, null, 2));
    else
      io.out(
        table([
          ['CHECK', 'P50', 'P95', 'RUNS', 'FROM'],
          ...set.map((b) => [b.check, fmtMs(b.p50Ms), fmtMs(b.p95Ms), String(b.runs), isoTime(b.periodFrom)]),
        ]),
      );
    return 0;
  } finally {
    await store.close();
  }
}

export async function baselineListCommand(
  io: Io,
  opts: { config?: string; json?: boolean },
): Promise<number> {
  return withStore(io, opts.config, async (store) => {
    const list = await store.routines.baselines();
    if (opts.json) io.out(JSON.stringify(list, null, 2));
    else if (!list.length) io.out('no baselines: record one with `vigil baseline set`');
    else
      io.out(
        table([
          ['CHECK', 'P50', 'P95', 'RUNS', 'SET', 'BY'],
          ...list.map((b) => [
            b.check,
            fmtMs(b.p50Ms),
            fmtMs(b.p95Ms),
            String(b.runs),
            isoTime(b.setAt),
            b.setBy,
          ]),
        ]),
      );
    return 0;
  });
}

/** What flap collapsing needs of an alert transition. */
export interface FlapInput {
  at: number;
  /** one alert: its rule and labels */
  fingerprint: string;
  to: string;
}

/** A row of the alert history: one transition, or one alert's flapping run of them. */
export type HistoryRow<T> = T & {
  /** transitions this row stands for: 1 for a plain one */
  count: number;
  /** how often the alert fired in the run */
  firings: number;
  /** the oldest transition's time; `at` is the newest's */
  since: number;
};

/**
 * One alert's repeated fire/resolve within `spanMs` of each other, shown as one row (the newest
 * transition, with a count) so one flapping alert does not flood the history. A run that fired
 * once (pending → firing → resolved) stays as its rows: that is an alert, not a flap. Input and
 * output are newest first; other alerts' rows keep their places.
 */
export function collapseFlaps<T extends FlapInput>(
  newestFirst: readonly T[],
  spanMs: number,
): HistoryRow<T>[] {
  const runs: T[][] = [];
  const open = new Map<string, T[]>();
  for (const t of newestFirst) {
    const run = open.get(t.fingerprint);
    // the run's oldest so far is its last element; a gap wider than the span ends it
    if (run && run[run.length - 1]!.at - t.at <= spanMs) run.push(t);
    else {
      const fresh = [t];
      open.set(t.fingerprint, fresh);
      runs.push(fresh);
    }
  }
  const out: HistoryRow<T>[] = [];
  for (const run of runs) {
    const firings = run.filter((t) => t.to === 'firing').length;
    if (firings >= 2) out.push({ ...run[0]!, count: run.length, firings, since: run[run.length - 1]!.at });
    else for (const t of run) out.push({ ...t, count: 1, firings: t.to === 'firing' ? 1 : 0, since: t.at });
  }
  // Runs were started in time order; a plain run's later rows and other runs' rows interleave.
  return out.sort((a, b) => b.at - a.at);
}

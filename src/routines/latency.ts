import type { Store } from '../store/store.js';
import { percentile } from './steps/types.js';

export interface LatencyStats {
  runs: number;
  p50Ms: number;
  p95Ms: number;
}

/** p50 and p95 of one check's run durations in [from, to), or undefined when it did not run. */
export async function latencyStats(
  store: Store,
  check: string,
  from: number,
  to: number,
): Promise<LatencyStats | undefined> {
  const results = await store.results.list(check, from, to - 1, 1_000_000);
  return statsOf(results.map((r) => Number(r.durationMs)));
}

export function statsOf(durations: number[]): LatencyStats | undefined {
  if (!durations.length) return undefined;
  durations.sort((a, b) => a - b);
  return { runs: durations.length, p50Ms: percentile(durations, 0.5)!, p95Ms: percentile(durations, 0.95)! };
}

/** p95 per bucket of `bucketMs`, for a chart. */
export async function p95Series(
  store: Store,
  check: string,
  from: number,
  to: number,
  bucketMs: number,
): Promise<{ t: number; v: number | null }[]> {
  const results = await store.results.list(check, from, to - 1, 1_000_000);
  const buckets = new Map<number, number[]>();
  for (const r of results) {
    const b = Math.floor(Number(r.startedAt) / bucketMs) * bucketMs;
    buckets.set(b, [...(buckets.get(b) ?? []), Number(r.durationMs)]);
  }
  const out: { t: number; v: number | null }[] = [];
  for (let t = Math.floor(from / bucketMs) * bucketMs; t < to; t += bucketMs) {
    out.push({ t, v: statsOf(buckets.get(t) ?? [])?.p95Ms ?? null });
  }
  return out;
}

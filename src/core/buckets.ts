/**
 * Rollup buckets: per minute, hour and day (UTC). A window [from, to) is covered
 * by whole days in the middle and hours (and, for short windows, minutes) at the
 * edges, so a 90-day availability reads ~140 rows per check instead of every run.
 * At the finest level a bucket belongs to the window that holds its start: the
 * bucket still filling at `to` (the current hour, when `to` is now) is in, so a
 * daemon ten minutes old has an availability, and back-to-back windows share no
 * bucket.
 */
export const resolutions = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export type Resolution = keyof typeof resolutions;

export function bucketOf(ts: number, res: Resolution): number {
  const size = resolutions[res];
  return Math.floor(ts / size) * size;
}

export interface BucketRange {
  res: Resolution;
  from: number;
  /** exclusive */
  to: number;
}

/** Ranges of whole buckets covering [from, to); `finest` bounds the precision at the edges. */
export function coverWindow(from: number, to: number, finest: Resolution): BucketRange[] {
  const order: Resolution[] = ['d', 'h', 'm'];
  const out: BucketRange[] = [];
  const cover = (lo: number, hi: number, level: number): void => {
    if (lo >= hi) return;
    const res = order[level]!;
    const size = resolutions[res];
    const start = Math.ceil(lo / size) * size;
    const end = Math.floor(hi / size) * size;
    const last = res === finest;
    if (last) {
      // The buckets whose start lies in [lo, hi): rounding `hi` to the nearest bucket dropped the
      // current hour until it was half over, so a young daemon read "no check ran".
      const a = Math.ceil(lo / size) * size;
      const b = Math.ceil(hi / size) * size;
      if (a < b) out.push({ res, from: a, to: b });
      return;
    }
    if (start >= end) {
      cover(lo, hi, level + 1);
      return;
    }
    out.push({ res, from: start, to: end });
    cover(lo, start, level + 1);
    cover(end, hi, level + 1);
  };
  cover(from, to, 0);
  return out;
}

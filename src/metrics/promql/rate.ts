import type { Point } from '../types.js';
import { kahanInc as kahan } from './numeric.js';

/**
 * rate/increase/delta with Prometheus 3's extrapolation: the raw delta between
 * the first and last sample in the window (corrected for counter resets) is
 * extrapolated towards the window edges, but only by up to half an average
 * sample interval when a sample is missing at an edge (more than 1.1 average
 * intervals away), and for counters never below zero.
 *
 * `end` is the window's right edge; the window is (end - rangeMs, end].
 */
export function extrapolatedRate(
  points: readonly Point[],
  end: number,
  rangeMs: number,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const first = points[0]!;
  const last = points[n - 1]!;
  let result = last.v - first.v;
  if (isCounter) {
    for (let i = 1; i < n; i++) {
      const prev = points[i - 1]!.v;
      if (points[i]!.v < prev) result += prev;
    }
  }
  const rangeStart = end - rangeMs;
  let durationToStart = (first.t - rangeStart) / 1000;
  let durationToEnd = (end - last.t) / 1000;
  const sampledInterval = (last.t - first.t) / 1000;
  const averageInterval = sampledInterval / (n - 1);
  const threshold = averageInterval * 1.1;

  if (durationToStart >= threshold) durationToStart = averageInterval / 2;
  if (isCounter) {
    // The counter would hit zero before the window starts: extrapolate only to that point.
    let durationToZero = durationToStart;
    if (result > 0 && first.v >= 0) durationToZero = sampledInterval * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;

  let factor =
    sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
  if (isRate) factor /= rangeMs / 1000;
  return result * factor;
}

/** irate/idelta: from the last two samples only; irate treats a drop as a counter reset. */
export function instantValue(points: readonly Point[], isRate: boolean): number | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const a = points[n - 2]!;
  const b = points[n - 1]!;
  const interval = b.t - a.t;
  if (interval === 0) return undefined;
  let v = isRate && b.v < a.v ? b.v : b.v - a.v;
  if (isRate) v /= interval / 1000;
  return v;
}

/** Least-squares fit; slope per second and the intercept at `interceptTime`. */
export function linearRegression(points: readonly Point[], interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = points[0]!.v;
  let constY = true;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (constY && i > 0 && p.v !== initY) constY = false;
    n += 1;
    const x = (p.t - interceptTime) / 1e3;
    [sumX, cX] = kahan(x, sumX, cX);
    [sumY, cY] = kahan(p.v, sumY, cY);
    [sumXY, cXY] = kahan(x * p.v, sumXY, cXY);
    [sumX2, cX2] = kahan(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [Number.NaN, Number.NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

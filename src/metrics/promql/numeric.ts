/**
 * Numeric building blocks shared by functions and aggregations, matching
 * Prometheus's float behaviour (Kahan-Neumaier summation, quantile
 * interpolation, NaN ordering) so results agree to the last bit where tests
 * compare exactly.
 */

/** One Kahan-Neumaier step: returns the new [sum, compensation]. */
export function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (!Number.isFinite(t) && !Number.isNaN(t)) return [t, 0];
  if (Math.abs(sum) >= Math.abs(inc)) return [t, c + (sum - t + inc)];
  return [t, c + (inc - t + sum)];
}

/** Orders NaN first, then ascending: Prometheus's vectorByValueHeap. */
export function nanFirstAscending(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The q-quantile of `values` with linear interpolation between the closest
 * ranks (values are sorted in place). NaN for no values or q = NaN; ±Inf
 * outside [0, 1].
 */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  values.sort(nanFirstAscending);
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}

/**
 * Mean with Kahan summation, switching to an incremental mean once the running
 * sum would overflow (Prometheus's avg and avg_over_time).
 */
export class MeanAccumulator {
  private sum = 0;
  private c = 0;
  private mean = 0;
  private count = 0;
  private incremental = false;

  add(v: number): void {
    this.count++;
    if (this.count === 1) {
      this.sum = v;
      this.mean = v;
      return;
    }
    if (!this.incremental) {
      const [s, c] = kahanInc(v, this.sum, this.c);
      if (Number.isNaN(s) || Number.isFinite(s)) {
        this.sum = s;
        this.c = c;
        return;
      }
      this.incremental = true;
      this.mean = this.sum / (this.count - 1);
      this.c /= this.count - 1;
    }
    const q = (this.count - 1) / this.count;
    [this.mean, this.c] = kahanInc(v / this.count, q * this.mean, q * this.c);
  }

  value(): number {
    if (this.incremental) return this.mean + this.c;
    return this.sum / this.count + this.c / this.count;
  }
}

/** Natural ordering of strings with embedded numbers (`cpu2` < `cpu10`), as sort_by_label uses. */
export function naturalLess(a: string, b: string): boolean {
  const ca = a.match(/\d+|\D+/g) ?? [];
  const cb = b.match(/\d+|\D+/g) ?? [];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const xd = /^\d/.test(x);
    const yd = /^\d/.test(y);
    if (xd && yd) {
      const xi = BigInt(x);
      const yi = BigInt(y);
      if (xi !== yi) return xi < yi;
      return x < y;
    }
    return x < y;
  }
  return ca.length < cb.length;
}

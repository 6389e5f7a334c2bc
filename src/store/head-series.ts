import type { Labels, Point } from '../metrics/types.js';

/** Room for this many samples when a series is first seen (two minutes at 15 s). */
const initialCapacity = 8;

/**
 * One series of the head: times and values in two Float64Arrays, staleness
 * markers in a byte array made only for series that have one. Samples live
 * in [start, end); trimming old ones moves `start`, and the arrays are
 * compacted or grown (by half, so a series holding its span has little slack)
 * only when `end` reaches their length.
 */
export class HeadSeries {
  #t = new Float64Array(initialCapacity);
  #v = new Float64Array(initialCapacity);
  #stale?: Uint8Array;
  #start = 0;
  #end = 0;

  constructor(readonly labels: Labels) {}

  get length(): number {
    return this.#end - this.#start;
  }

  /** Appends a sample; one older than the newest is put in its place (rare), a repeated time is ignored. */
  add(t: number, v: number, stale: boolean): void {
    const last = this.#end - 1;
    if (last >= this.#start && this.#t[last]! >= t) {
      this.#insert(t, v, stale);
      return;
    }
    if (this.#end === this.#t.length) this.#makeRoom();
    this.#t[this.#end] = t;
    this.#v[this.#end] = v;
    if (stale) this.#staleMarks()[this.#end] = 1;
    else if (this.#stale) this.#stale[this.#end] = 0;
    this.#end++;
  }

  #insert(t: number, v: number, stale: boolean): void {
    let i = this.#end;
    while (i > this.#start && this.#t[i - 1]! > t) i--;
    if (i > this.#start && this.#t[i - 1] === t) return;
    if (this.#end === this.#t.length) {
      const shift = this.#start;
      this.#makeRoom();
      i -= shift;
    }
    this.#t.copyWithin(i + 1, i, this.#end);
    this.#v.copyWithin(i + 1, i, this.#end);
    this.#stale?.copyWithin(i + 1, i, this.#end);
    this.#t[i] = t;
    this.#v[i] = v;
    if (stale) this.#staleMarks()[i] = 1;
    else if (this.#stale) this.#stale[i] = 0;
    this.#end++;
  }

  #staleMarks(): Uint8Array {
    this.#stale ??= new Uint8Array(this.#t.length);
    return this.#stale;
  }

  /** Moves the samples to the front, growing the arrays if they are more than half full. */
  #makeRoom(): void {
    const n = this.length;
    const size = n * 2 > this.#t.length ? Math.ceil(this.#t.length * 1.5) : this.#t.length;
    const move = <A extends Float64Array | Uint8Array>(a: A, fresh: A): A => {
      fresh.set(a.subarray(this.#start, this.#end));
      return fresh;
    };
    if (size === this.#t.length) {
      this.#t.copyWithin(0, this.#start, this.#end);
      this.#v.copyWithin(0, this.#start, this.#end);
      this.#stale?.copyWithin(0, this.#start, this.#end);
    } else {
      this.#t = move(this.#t, new Float64Array(size));
      this.#v = move(this.#v, new Float64Array(size));
      if (this.#stale) this.#stale = move(this.#stale, new Uint8Array(size));
    }
    this.#start = 0;
    this.#end = n;
  }

  /**
   * Puts samples read from the database (ascending, up to `to`) before the ones held; a time
   * already held keeps the held sample.
   */
  prepend(points: readonly Point[], to: number): void {
    const first = this.length ? this.#t[this.#start]! : Number.POSITIVE_INFINITY;
    let n = 0;
    while (n < points.length && points[n]!.t < first && points[n]!.t <= to) n++;
    if (n) {
      const held = this.length;
      const size = Math.max(initialCapacity, Math.ceil((n + held) * 1.5));
      const t = new Float64Array(size);
      const v = new Float64Array(size);
      const anyStale = this.#stale !== undefined || points.slice(0, n).some((p) => p.stale);
      const stale = anyStale ? new Uint8Array(size) : undefined;
      for (let i = 0; i < n; i++) {
        const p = points[i]!;
        t[i] = p.t;
        v[i] = p.stale ? Number.NaN : p.v;
        if (p.stale) stale![i] = 1;
      }
      t.set(this.#t.subarray(this.#start, this.#end), n);
      v.set(this.#v.subarray(this.#start, this.#end), n);
      if (this.#stale) stale!.set(this.#stale.subarray(this.#start, this.#end), n);
      this.#t = t;
      this.#v = v;
      this.#stale = stale;
      this.#start = 0;
      this.#end = n + held;
    }
    // rare: database samples among the held ones (written while the metric turned hot)
    for (let i = n; i < points.length && points[i]!.t <= to; i++) {
      const p = points[i]!;
      this.add(p.t, p.stale ? Number.NaN : p.v, p.stale === true);
    }
  }

  /** Drops samples older than `cutoff`; false when none are left. */
  dropBefore(cutoff: number): boolean {
    while (this.#start < this.#end && this.#t[this.#start]! < cutoff) this.#start++;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return this.#end > this.#start;
  }

  /** Index of the first sample after `t` (`orAt`: at or after). */
  #after(t: number, orAt: boolean): number {
    let lo = this.#start;
    let hi = this.#end;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const x = this.#t[mid]!;
      if (x < t || (!orAt && x === t)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #point(i: number): Point {
    return this.#stale?.[i]
      ? { t: this.#t[i]!, v: Number.NaN, stale: true }
      : { t: this.#t[i]!, v: this.#v[i]! };
  }

  /** The samples in [mint, maxt]. */
  points(mint: number, maxt: number): Point[] {
    const out: Point[] = [];
    for (let i = this.#after(mint, true); i < this.#end && this.#t[i]! <= maxt; i++) out.push(this.#point(i));
    return out;
  }

  /** The newest sample in [mint, maxt], if any, alone. */
  last(mint: number, maxt: number): Point[] {
    const i = this.#after(maxt, false) - 1;
    return i >= this.#start && this.#t[i]! >= mint ? [this.#point(i)] : [];
  }
}

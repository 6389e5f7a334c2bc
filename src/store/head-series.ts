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

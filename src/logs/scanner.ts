import type { LevelNeedle } from './levels.js';

/** One matched line, handed out of the scanner. */
export interface LineMatch {
  level: string;
  /** the line, decoded; cut at maxLineBytes with a marker */
  text: string;
  truncated: boolean;
}

export const truncationMarker = ' …[truncated]';

const windowBytes = 256 * 1024;

/**
 * Finds lines that hold one of a few byte strings, without decoding the rest:
 * each needle is searched with Buffer.indexOf (a memchr-driven search in Node),
 * and only a hit's line is decoded. Feed it buffers of whole lines; a line
 * longer than the caller's buffer arrives as fragments (`fragment`) and is
 * counted once, its sample truncated. Word boundaries are checked around a hit
 * so `ERRORS_TOTAL=0` is not an error.
 */
export class NeedleScanner {
  readonly #next: number[];
  /** a long line already counted: skip up to its newline */
  #skipToNewline = false;

  constructor(
    private readonly needles: readonly LevelNeedle[],
    private readonly onMatch: (m: LineMatch) => void,
    private readonly maxLineBytes = 64 * 1024,
  ) {
    this.#next = needles.map(() => -1);
  }

  /** buf[start, end) holds whole lines (end is just past a newline, or the end of input). */
  lines(buf: Buffer, start: number, end: number): void {
    let pos = start;
    if (this.#skipToNewline) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0 || nl >= end) return;
      pos = nl + 1;
      this.#skipToNewline = false;
    }
    // Windows of whole lines small enough to stay in cache while each needle is searched in turn.
    while (pos < end) {
      let wEnd = Math.min(end, pos + windowBytes);
      if (wEnd < end) {
        const nl = buf.lastIndexOf(10, wEnd - 1);
        wEnd = nl >= pos ? nl + 1 : end;
      }
      this.#window(buf.subarray(pos, wEnd));
      pos = wEnd;
    }
  }

  #window(buf: Buffer): void {
    const end = buf.length;
    const needles = this.needles;
    const next = this.#next;
    for (let i = 0; i < needles.length; i++) next[i] = buf.indexOf(needles[i]!.needle, 0);
    for (;;) {
      let k = -1;
      let hit = end;
      for (let i = 0; i < next.length; i++) {
        const h = next[i]!;
        if (h >= 0 && h < hit) {
          hit = h;
          k = i;
        }
      }
      if (k < 0) return;
      const needle = needles[k]!.needle;
      if (!wordAt(buf, hit, needle.length, end)) {
        next[k] = buf.indexOf(needle, hit + 1);
        continue;
      }
      const lineStart = hit === 0 ? 0 : buf.lastIndexOf(10, hit - 1) + 1;
      let lineEnd = buf.indexOf(10, hit);
      if (lineEnd < 0) lineEnd = end;
      this.#emit(needles[k]!.level, buf, lineStart, lineEnd);
      const after = lineEnd + 1;
      if (after >= end) return;
      for (let i = 0; i < next.length; i++) {
        if (next[i]! >= 0 && next[i]! < after) next[i] = buf.indexOf(needles[i]!.needle, after);
      }
    }
  }

  /** buf[start, end) is a piece of a line longer than the buffer (no newline in it). */
  fragment(buf: Buffer, start: number, end: number): void {
    if (this.#skipToNewline) return;
    for (const n of this.needles) {
      const h = buf.indexOf(n.needle, start);
      if (h >= 0 && h + n.needle.length <= end) {
        this.#emit(n.level, buf, start, end, true);
        this.#skipToNewline = true;
        return;
      }
    }
  }

  #emit(level: string, buf: Buffer, start: number, end: number, forceTruncated = false): void {
    let e = end;
    if (e > start && buf[e - 1] === 13) e--;
    const truncated = forceTruncated || e - start > this.maxLineBytes;
    if (e - start > this.maxLineBytes) e = start + this.maxLineBytes;
    const text = buf.toString('utf8', start, e);
    this.onMatch({ level, text: truncated ? text + truncationMarker : text, truncated });
  }
}

function isWordByte(c: number | undefined): boolean {
  return (
    c !== undefined && ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)
  );
}

/** A needle that starts or ends with punctuation (JSON) is its own boundary. */
function wordAt(buf: Buffer, at: number, len: number, end: number): boolean {
  const first = buf[at];
  const last = buf[at + len - 1];
  if (isWordByte(first) && at > 0 && isWordByte(buf[at - 1])) return false;
  if (isWordByte(last) && at + len < end && isWordByte(buf[at + len])) return false;
  return true;
}

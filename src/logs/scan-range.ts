import { open } from 'node:fs/promises';
import { type LinearRegex, linearRegex } from '../core/linear-regex.js';
import { FingerprintTable } from './fingerprint.js';
import { levelNeedles } from './levels.js';
import { type LineMatch, NeedleScanner } from './scanner.js';
import { type LogFormat, messageOf } from './structured.js';
import { lineTime } from './timestamp.js';

/** What selects lines: the level words (default error and fatal), or a literal or expression. */
export interface LineSelector {
  levels?: readonly string[];
  match?: LinearRegex | string;
}

export interface LineScanner {
  lines(b: Buffer, s: number, e: number): void;
  fragment(b: Buffer, s: number, e: number): void;
}

/** Reads the next bytes into buf[offset, offset + length); 0 at the end. */
export type Filler = ((buf: Buffer, offset: number, length: number) => Promise<number>) & {
  close?(): Promise<void>;
};

/** Two buffers of 1 MiB: one being read into while the other is searched. */
const chunkBytes = 1 << 20;

/**
 * Counts of one scan (a file, or one byte range of it): per level, lines cut at the line bound,
 * and the fingerprint table.
 */
export class Tally {
  readonly counts: Record<string, number> = {};
  truncated = 0;
  readonly table = new FingerprintTable();

  /**
   * The consumer of one file's (or range's) matches. With `filtering`, lines stamped before
   * `since` are left out until the first one inside the window: logs are written in time order,
   * so the rest of the file is inside too, and its times need not be read line by line.
   */
  consumer(format: LogFormat, since: number, now: number, filtering: boolean): (m: LineMatch) => void {
    return (m) => {
      if (filtering) {
        const at = lineTime(m.text, now);
        if (at !== undefined && at < since) return;
        if (at !== undefined) filtering = false;
      }
      this.counts[m.level] = (this.counts[m.level] ?? 0) + 1;
      if (m.truncated) this.truncated++;
      this.table.add(m.level, m.text, undefined, format === 'plain' ? m.text : messageOf(m.text, format));
    };
  }

  /** Adds the counts of the range that follows this one's. */
  merge(other: {
    counts: Record<string, number>;
    truncated: number;
    entries: ReturnType<FingerprintTable['entries']>;
  }) {
    for (const [level, n] of Object.entries(other.counts)) this.counts[level] = (this.counts[level] ?? 0) + n;
    this.truncated += other.truncated;
    this.table.merge(other.entries);
  }
}

export function makeScanner(
  sel: LineSelector,
  format: LogFormat,
  onMatch: (m: LineMatch) => void,
): LineScanner {
  const match = sel.match;
  if (match === undefined)
    return new NeedleScanner(levelNeedles(sel.levels ?? ['fatal', 'error'], format), onMatch);
  if (typeof match === 'string')
    return new NeedleScanner([{ level: 'match', needle: Buffer.from(match) }], onMatch);
  return new RegexScanner(match, onMatch);
}

/**
 * Feeds a byte source to a scanner in whole lines. The next read is under way while a chunk is
 * searched (two buffers), so the copy from the page cache overlaps the search. `scannerFor` gets
 * the first chunk (to detect the format from); `onBytes` the bytes of each read.
 */
export async function feed(
  fill: Filler,
  scannerFor: (head: Buffer, length: number) => LineScanner,
  onBytes: (n: number) => void = () => {},
): Promise<void> {
  let cur = Buffer.allocUnsafe(chunkBytes);
  let next = Buffer.allocUnsafe(chunkBytes);
  let carry = 0;
  let scanner: LineScanner | undefined;
  let reading = fill(cur, 0, chunkBytes);
  try {
    for (;;) {
      const n = await reading;
      const len = carry + n;
      scanner ??= scannerFor(cur, Math.min(len, 4096));
      if (n === 0) {
        if (len > 0) scanner.lines(cur, 0, len);
        return;
      }
      onBytes(n);
      const lastNl = cur.lastIndexOf(10, len - 1);
      if (lastNl < 0) {
        // no newline yet: a line longer than the buffer is counted as fragments
        if (len === chunkBytes) {
          scanner.fragment(cur, 0, len);
          carry = 0;
        } else carry = len;
        reading = fill(cur, carry, chunkBytes - carry);
        continue;
      }
      carry = len - lastNl - 1;
      cur.copy(next, 0, lastNl + 1, len);
      reading = fill(next, carry, chunkBytes - carry);
      scanner.lines(cur, 0, lastNl + 1);
      [cur, next] = [next, cur];
    }
  } finally {
    // a scanner that threw leaves a read under way: let it finish before the caller closes the file
    await reading.catch(() => 0);
  }
}

/**
 * `--match` with a regular expression: each chunk decoded once, the expression run over it
 * line by line (linear in the text whatever the pattern: see core/linear-regex).
 */
class RegexScanner implements LineScanner {
  #skip = false;
  constructor(
    private readonly re: LinearRegex,
    private readonly onMatch: (m: LineMatch) => void,
  ) {}
  lines(buf: Buffer, start: number, end: number): void {
    let text = buf.toString('utf8', start, end);
    if (this.#skip) {
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      text = text.slice(nl + 1);
      this.#skip = false;
    }
    let ls = this.re.findLine(text, 0);
    while (ls >= 0) {
      let le = text.indexOf('\n', ls);
      if (le < 0) le = text.length;
      const line = text.slice(ls, le).replace(/\r$/, '');
      const truncated = line.length > 64 * 1024;
      this.onMatch({
        level: 'match',
        text: truncated ? `${line.slice(0, 64 * 1024)} …[truncated]` : line,
        truncated,
      });
      if (le + 1 >= text.length) break;
      ls = this.re.findLine(text, le + 1);
    }
  }
  fragment(buf: Buffer, start: number, end: number): void {
    if (this.#skip) return;
    const text = buf.toString('utf8', start, end);
    if (this.re.test(text)) {
      this.onMatch({ level: 'match', text: `${text.slice(0, 64 * 1024)} …[truncated]`, truncated: true });
      this.#skip = true;
    }
  }
}

/** One byte range of a plain file, as a worker thread gets it. */
export interface RangeJob {
  path: string;
  /** a line start */
  start: number;
  /** a line start, or -1 for the end of the file as it is when read */
  end: number;
  format: LogFormat;
  /** whether lines before `since` are left out until the first inside (the first range only) */
  filtering: boolean;
  since: number;
  now: number;
  levels?: readonly string[];
  /** a literal, or a linear-time expression's source (compiled again in the worker) */
  match?: string | { source: string };
}

/** What a range's scan sends back: plain data, to cross a thread. */
export interface RangeResult {
  counts: Record<string, number>;
  truncated: number;
  entries: ReturnType<FingerprintTable['entries']>;
}

export async function scanRange(job: RangeJob, onBytes?: (n: number) => void): Promise<Tally> {
  const fh = await open(job.path, 'r');
  const tally = new Tally();
  const match = typeof job.match === 'object' ? linearRegex(job.match.source) : job.match;
  let pos = job.start;
  const fill: Filler = async (buf, offset, length) => {
    const want = job.end < 0 ? length : Math.min(length, job.end - pos);
    if (want <= 0) return 0;
    const { bytesRead } = await fh.read(buf, offset, want, pos);
    pos += bytesRead;
    return bytesRead;
  };
  try {
    const onMatch = tally.consumer(job.format, job.since, job.now, job.filtering);
    await feed(fill, () => makeScanner({ levels: job.levels, match }, job.format, onMatch), onBytes);
  } finally {
    await fh.close();
  }
  return tally;
}

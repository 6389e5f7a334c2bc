import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { LinearRegex } from '../core/linear-regex.js';
import { type Fingerprint, FingerprintTable } from './fingerprint.js';
import { levelNeedles } from './levels.js';
import { type LineMatch, NeedleScanner } from './scanner.js';
import { decompressed, type LogFile, rotatedSiblings } from './sources.js';
import { detectFormat, type LogFormat, messageOf } from './structured.js';
import { lineTime } from './timestamp.js';

export interface ScanOptions {
  /** ms since the epoch: lines stamped earlier are left out, files last written earlier are not read */
  since: number;
  now: number;
  /** levels to count (default error and fatal) */
  levels?: readonly string[];
  /** a literal or regular expression that selects lines instead of the level words */
  match?: LinearRegex | string;
  top?: number;
  /** called with bytes read so far and the total, for a progress line */
  onProgress?(done: number, total: number): void;
}

export interface ScanReport {
  since: number;
  until: number;
  files: { path: string; bytes: number; compression?: string }[];
  bytes: number;
  counts: Record<string, number>;
  /** lines longer than the line bound, counted once and cut */
  truncated: number;
  fingerprints: Fingerprint[];
  distinctTemplates: number;
}

const chunkBytes = 4 << 20;

/**
 * The morning review: every matching line in the given logs and their rotated
 * siblings (plain, .gz, .zst) within [since, now], counted per level and per
 * fingerprint. Files whose last write is older than `since` are not opened.
 */
export async function scanLogs(paths: readonly string[], opts: ScanOptions): Promise<ScanReport> {
  const files: LogFile[] = [];
  for (const p of paths) {
    const st = statSync(p);
    for (const f of [...rotatedSiblings(p), { path: p, size: st.size, mtimeMs: st.mtimeMs }]) {
      if (f.mtimeMs >= opts.since && !files.some((x) => x.path === f.path)) files.push(f);
    }
  }
  const total = files.reduce((n, f) => n + f.size, 0);
  const counts: Record<string, number> = {};
  const table = new FingerprintTable();
  let truncated = 0;
  let done = 0;
  // Logs are written in time order: once one line is inside the window, so is the rest of
  // the file, and its times need not be read line by line (only first/last per template).
  let filtering = true;
  let format: LogFormat = 'plain';
  const onMatch = (m: LineMatch) => {
    if (filtering) {
      const at = lineTime(m.text, opts.now);
      if (at !== undefined && at < opts.since) return;
      if (at !== undefined) filtering = false;
    }
    counts[m.level] = (counts[m.level] ?? 0) + 1;
    if (m.truncated) truncated++;
    table.add(m.level, m.text, undefined, format === 'plain' ? m.text : messageOf(m.text, format));
  };
  for (const f of files) {
    const buf = Buffer.allocUnsafe(chunkBytes);
    filtering = true;
    const fill = f.compression
      ? streamFiller(decompressed(f))
      : await fileFiller(f.path, opts.since, opts.now);
    // The first bytes say whether this is a JSON-lines, logfmt or plain log: which needles mark
    // a level, and where the message is.
    let carry = 0;
    let first = true;
    let scanner:
      | { lines(b: Buffer, s: number, e: number): void; fragment(b: Buffer, s: number, e: number): void }
      | undefined;
    try {
      for (;;) {
        const n = await fill(buf, carry, chunkBytes - carry);
        const len = carry + n;
        if (first) {
          first = false;
          format = detectFormat(buf, Math.min(len, 4096));
          scanner = makeScanner(opts, format, onMatch);
        }
        if (n === 0) {
          if (len > 0) scanner!.lines(buf, 0, len);
          break;
        }
        if (!f.compression) {
          done += n;
          opts.onProgress?.(done, total);
        }
        const lastNl = buf.lastIndexOf(10, len - 1);
        if (lastNl < 0) {
          if (len === chunkBytes) {
            scanner!.fragment(buf, 0, len);
            carry = 0;
          } else carry = len;
          continue;
        }
        scanner!.lines(buf, 0, lastNl + 1);
        buf.copyWithin(0, lastNl + 1, len);
        carry = len - lastNl - 1;
      }
    } finally {
      await fill.close?.();
    }
    if (f.compression) {
      done += f.size;
      opts.onProgress?.(done, total);
    }
  }
  return {
    since: opts.since,
    until: opts.now,
    files: files.map((f) => ({
      path: f.path,
      bytes: f.size,
      ...(f.compression ? { compression: f.compression } : {}),
    })),
    bytes: total,
    counts,
    truncated,
    fingerprints: table.top(opts.top ?? 10, (line) => lineTime(line, opts.now)),
    distinctTemplates: table.size,
  };
}

function makeScanner(opts: ScanOptions, format: LogFormat, onMatch: (m: LineMatch) => void) {
  const match = opts.match;
  if (match === undefined)
    return new NeedleScanner(levelNeedles(opts.levels ?? ['fatal', 'error'], format), onMatch);
  if (typeof match === 'string')
    return new NeedleScanner([{ level: 'match', needle: Buffer.from(match) }], onMatch);
  return new RegexScanner(match, onMatch);
}

/**
 * `--match` with a regular expression: each chunk decoded once, the expression run over it
 * line by line (linear in the text whatever the pattern: see core/linear-regex).
 */
class RegexScanner {
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

type Filler = ((buf: Buffer, offset: number, length: number) => Promise<number>) & {
  close?(): Promise<void>;
};

async function fileFiller(p: string, since: number, now: number): Promise<Filler> {
  const fh = await open(p, 'r');
  let pos = await firstOffsetSince(fh, since, now);
  const fill: Filler = async (buf, offset, length) => {
    const { bytesRead } = await fh.read(buf, offset, length, pos);
    pos += bytesRead;
    return bytesRead;
  };
  fill.close = () => fh.close();
  return fill;
}

/**
 * Where the window starts in a time-ordered file, found by bisection on the
 * lines' times, so a week-long file is not read from the top for the last
 * 24 hours. A line boundary at or before the first line in the window; 0 when
 * the times cannot be read.
 */
async function firstOffsetSince(
  fh: import('node:fs/promises').FileHandle,
  since: number,
  now: number,
): Promise<number> {
  const size = (await fh.stat()).size;
  const probe = Buffer.allocUnsafe(8192);
  const timeAt = async (at: number): Promise<number | undefined> => {
    const { bytesRead } = await fh.read(probe, 0, probe.length, at);
    let s = at === 0 ? 0 : probe.indexOf(10) + 1;
    for (let tries = 0; s > 0 || at === 0; tries++) {
      if (tries > 8 || s >= bytesRead) return undefined;
      const e = probe.indexOf(10, s);
      if (e < 0 || e >= bytesRead) return undefined;
      const t = lineTime(probe.toString('utf8', s, e), now);
      if (t !== undefined) return t;
      s = e + 1;
    }
    return undefined;
  };
  const first = await timeAt(0);
  if (first === undefined || first >= since) return 0;
  let lo = 0;
  let hi = size;
  while (hi - lo > 1 << 16) {
    const mid = Math.floor((lo + hi) / 2);
    const t = await timeAt(mid);
    if (t === undefined) return lo === 0 ? 0 : lineStart(fh, lo);
    if (t < since) lo = mid;
    else hi = mid;
  }
  return lineStart(fh, lo);
}

/** The start of the line after the one that holds `at` (0 stays 0). */
async function lineStart(fh: import('node:fs/promises').FileHandle, at: number): Promise<number> {
  if (at === 0) return 0;
  const b = Buffer.allocUnsafe(65536);
  const { bytesRead } = await fh.read(b, 0, b.length, at);
  const nl = b.subarray(0, bytesRead).indexOf(10);
  return nl < 0 ? at : at + nl + 1;
}

/** Reads from a chunk stream into the caller's buffer. */
function streamFiller(source: AsyncIterable<Buffer>): Filler {
  const it = source[Symbol.asyncIterator]();
  let pending: Buffer | undefined;
  const fill: Filler = async (buf, offset, length) => {
    let written = 0;
    while (written < length) {
      if (!pending || pending.length === 0) {
        if (written > 0) return written;
        const r = await it.next();
        if (r.done) return written;
        pending = r.value;
      }
      const n = Math.min(pending.length, length - written);
      pending.copy(buf, offset + written, 0, n);
      pending = pending.subarray(n);
      written += n;
    }
    return written;
  };
  fill.close = async () => {
    await it.return?.();
  };
  return fill;
}

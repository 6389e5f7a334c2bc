import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LinearRegex } from '../core/linear-regex.js';
import type { Fingerprint } from './fingerprint.js';
import {
  type Filler,
  feed,
  makeScanner,
  type RangeJob,
  type RangeResult,
  scanRange,
  Tally,
} from './scan-range.js';
import { decompressed, type LogFile, rotatedSiblings } from './sources.js';
import { detectFormat, type LogFormat } from './structured.js';
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
  /**
   * Threads for one large plain file (default: the cores, at most 4): it is split into byte
   * ranges at line starts, each range at least `minRangeBytes` (default 256 MiB: a worker costs
   * ≈ 0.13 s of CPU to start and warm up, measured on a 256 MiB log, where two threads were no
   * faster than one).
   */
  threads?: number;
  minRangeBytes?: number;
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
  const tally = new Tally();
  let done = 0;
  const progress = (n: number) => {
    done += n;
    opts.onProgress?.(done, total);
  };
  for (const f of files) {
    if (f.compression) {
      // The first bytes say whether this is a JSON-lines, logfmt or plain log: which needles mark
      // a level, and where the message is.
      const fill = streamFiller(decompressed(f));
      try {
        await feed(fill, (head, n) => {
          const format = detectFormat(head, n);
          return makeScanner(opts, format, tally.consumer(format, opts.since, opts.now, true));
        });
      } finally {
        await fill.close?.();
      }
      progress(f.size);
    } else await scanPlain(f.path, opts, tally, progress);
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
    counts: tally.counts,
    truncated: tally.truncated,
    fingerprints: tally.table.top(opts.top ?? 10, (line) => lineTime(line, opts.now)),
    distinctTemplates: tally.table.size,
  };
}

/**
 * One plain file from the first line inside the window: a large one in byte ranges that start
 * at line starts, the first scanned here and the others on worker threads at the same time, their
 * counts merged in file order (so first and last lines, and the template bound, come out as one
 * pass would give them).
 */
async function scanPlain(
  file: string,
  opts: ScanOptions,
  tally: Tally,
  progress: (n: number) => void,
): Promise<void> {
  const fh = await open(file, 'r');
  let starts: number[];
  let format: LogFormat;
  try {
    const first = await firstOffsetSince(fh, opts.since, opts.now);
    const head = Buffer.allocUnsafe(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, first);
    format = detectFormat(head, bytesRead);
    const size = (await fh.stat()).size;
    const parts = Math.max(
      1,
      Math.min(
        opts.threads ?? defaultThreads(),
        Math.floor((size - first) / (opts.minRangeBytes ?? 256 << 20)),
      ),
    );
    starts = [first];
    for (let i = 1; i < parts; i++) {
      const at = await lineStart(fh, first + Math.floor(((size - first) * i) / parts));
      // no newline near the cut (one very long line): fewer ranges rather than a line split in two
      if (at > starts.at(-1)! && at < size && (await isLineStart(fh, at))) starts.push(at);
    }
  } finally {
    await fh.close();
  }
  const selector = {
    levels: opts.levels,
    match: typeof opts.match === 'object' ? { source: opts.match.source } : opts.match,
  };
  const jobs: RangeJob[] = starts.map((start, i) => ({
    path: file,
    start,
    end: i + 1 < starts.length ? starts[i + 1]! : -1,
    format,
    filtering: i === 0,
    since: opts.since,
    now: opts.now,
    ...selector,
  }));
  const others = jobs.slice(1).map((job) => inWorker(job, progress));
  // A rejected worker must not go unhandled while the first range is still being scanned here.
  for (const o of others) o.catch(() => {});
  const firstTally = await scanRange(jobs[0]!, progress);
  tally.merge({
    counts: firstTally.counts,
    truncated: firstTally.truncated,
    entries: firstTally.table.entries(),
  });
  for (const o of others) tally.merge(await o);
}

const defaultThreads = () => Math.min(4, availableParallelism());

/**
 * Scans a range on a worker thread. Run from TypeScript sources (the tests) there is no compiled
 * worker file, so the range is scanned here instead: the same split and merge, one thread.
 */
async function inWorker(job: RangeJob, progress: (n: number) => void): Promise<RangeResult> {
  const url = new URL('./scan-worker.js', import.meta.url);
  if (import.meta.url.endsWith('.ts')) {
    const t = await scanRange(job, progress);
    return { counts: t.counts, truncated: t.truncated, entries: t.table.entries() };
  }
  const worker = new Worker(url, { workerData: job });
  return new Promise((resolve, reject) => {
    let result: RangeResult | undefined;
    worker.on('message', (m: { bytes?: number; result?: RangeResult }) => {
      if (m.bytes) progress(m.bytes);
      if (m.result) result = m.result;
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`log scan worker exited with code ${code}`)),
    );
  });
}

/** Whether a newline precedes `at`. */
async function isLineStart(fh: import('node:fs/promises').FileHandle, at: number): Promise<boolean> {
  if (at === 0) return true;
  const b = Buffer.allocUnsafe(1);
  await fh.read(b, 0, 1, at - 1);
  return b[0] === 10;
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

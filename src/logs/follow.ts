import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { levelOf } from './levels.js';
import { rotatedSiblings } from './sources.js';

/** Where reading one file stopped, and what was counted in it so far. */
export interface Cursor {
  ino: number;
  dev: number;
  /** the byte after the last record counted */
  offset: number;
  /** the bytes just before `offset` (base64), to notice a file replaced in place */
  tail: string;
  /** the file's size when the last record was held back, waiting for its continuation lines */
  held?: number;
  /** inside a line longer than the record bound: skip to its newline */
  skipping?: boolean;
}

export interface FollowState {
  v: 1;
  /** per followed path: the live file's cursor */
  files: Record<string, Cursor>;
  /** files rotated away that may still be written to by a writer that has not reopened yet */
  retired: (Cursor & { file: string; quietRuns: number })[];
  /** counters per path, monotonic across rotations and restarts */
  counts: Record<string, { lines: number; levels: Record<string, number> }>;
}

/** what follow needs of a pattern: core/linear-regex's, for lines from outside */
export interface LinePattern {
  test(text: string): boolean;
}

export interface FollowOptions {
  /** per-level patterns, most severe first; absent: the level words and JSON `level` */
  levels?: readonly { level: string; re: LinePattern }[];
  /** a line matching this starts a record; other lines fold into the record before them */
  start?: LinePattern;
  maxRecordBytes: number;
  /** bytes read per file per run, so one run of a huge backlog stays bounded */
  maxReadBytes: number;
  /** first run: start at the end of existing files (tail) or at their beginning */
  fromEnd: boolean;
}

export interface FollowReport {
  state: FollowState;
  notes: string[];
  /** per path: records and matches counted in this run */
  delta: Record<string, { lines: number; levels: Record<string, number> }>;
}

const tailBytes = 32;

/**
 * Reads what was appended to each file since the last run, like `tail -F`:
 * a file replaced by rename (new inode) is finished from wherever the old
 * inode now lives (found among its rotated siblings) before the new one is
 * read from the start; a truncated file (copytruncate) is finished from the
 * copy whose bytes end where we stopped; a file replaced in place is noticed
 * by the bytes before the offset. Each record is counted once.
 */
export async function follow(
  paths: readonly string[],
  previous: FollowState | undefined,
  opts: FollowOptions,
): Promise<FollowReport> {
  const firstRun = previous === undefined;
  const state: FollowState = previous
    ? structuredClone(previous)
    : { v: 1, files: {}, retired: [], counts: {} };
  const notes: string[] = [];
  const delta: FollowReport['delta'] = {};
  const count = (file: string, level: string | undefined) => {
    const c = state.counts[file] ?? { lines: 0, levels: {} };
    const d = delta[file] ?? { lines: 0, levels: {} };
    state.counts[file] = c;
    delta[file] = d;
    c.lines++;
    d.lines++;
    if (level) {
      c.levels[level] = (c.levels[level] ?? 0) + 1;
      d.levels[level] = (d.levels[level] ?? 0) + 1;
    }
  };

  // Rotated-away files first: their lines were written before the live file's.
  const stillRetired: FollowState['retired'] = [];
  for (const r of state.retired) {
    const where = await findInode(r.file, r);
    if (!where) continue;
    const before = r.offset;
    await drain(where, r, opts, r.quietRuns > 0, (l) => count(r.file, l));
    r.quietRuns = r.offset === before ? r.quietRuns + 1 : 0;
    if (r.quietRuns < 2) stillRetired.push(r);
  }
  state.retired = stillRetired;

  for (const file of paths) {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(file, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      notes.push(`cannot read ${file}: ${code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
      continue;
    }
    try {
      const st = await fh.stat();
      let cur = state.files[file];
      if (!cur) {
        cur = { ino: st.ino, dev: st.dev, offset: firstRun && opts.fromEnd ? st.size : 0, tail: '' };
        if (cur.offset > 0) cur.tail = await bytesBefore(fh, cur.offset);
      } else if (cur.ino !== st.ino || cur.dev !== st.dev) {
        const old = await findInode(file, cur);
        if (old) {
          const r = { ...cur, file, quietRuns: 0 };
          await drain(old, r, opts, false, (l) => count(file, l));
          state.retired.push(r);
          // Rotated more than once since the last run: the files in between were never seen.
          for (const between of await newerSiblings(file, old)) {
            const bst = await stat(between).catch(() => undefined);
            if (!bst || (bst.ino === st.ino && bst.dev === st.dev)) continue;
            if (state.retired.some((x) => x.ino === bst.ino && x.dev === bst.dev)) continue;
            const b = { ino: bst.ino, dev: bst.dev, offset: 0, tail: '', file, quietRuns: 0 };
            await drain(between, b, opts, false, (l) => count(file, l));
            state.retired.push(b);
          }
        } else
          notes.push(
            `${file} was rotated and its old copy is gone (compressed or deleted) before it was read to the end`,
          );
        cur = { ino: st.ino, dev: st.dev, offset: 0, tail: '' };
      } else if (st.size < cur.offset || (await bytesBefore(fh, cur.offset)) !== cur.tail) {
        const copy = await findCopy(file, cur);
        if (copy) await drain(copy, { ...cur }, opts, true, (l) => count(file, l));
        else if (st.size < cur.offset)
          notes.push(`${file} was truncated; lines written just before it may be uncounted`);
        cur = { ino: st.ino, dev: st.dev, offset: 0, tail: '' };
      }
      state.files[file] = cur;
      await drainHandle(fh, st.size, cur, opts, cur.held === st.size, (l) => count(file, l));
    } finally {
      await fh.close();
    }
  }
  // A file that is gone and no longer matched (an old log of a glob) leaves the state, so the
  // state stays as small as the set of files followed.
  for (const file of Object.keys(state.files)) {
    if (paths.includes(file)) continue;
    if (
      await stat(file).then(
        () => true,
        () => false,
      )
    )
      continue;
    delete state.files[file];
    if (!state.retired.some((r) => r.file === file)) delete state.counts[file];
  }
  return { state, notes, delta };
}

async function drain(
  file: string,
  cur: Cursor,
  opts: FollowOptions,
  flush: boolean,
  onRecord: (level: string | undefined) => void,
): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    await drainHandle(fh, size, cur, opts, flush || cur.held === size, onRecord);
  } finally {
    await fh.close();
  }
}

type Handle = Awaited<ReturnType<typeof open>>;

/** Counts the whole records in [cur.offset, size) and moves the cursor past them. */
async function drainHandle(
  fh: Handle,
  size: number,
  cur: Cursor,
  opts: FollowOptions,
  flush: boolean,
  onRecord: (level: string | undefined) => void,
): Promise<void> {
  const end = Math.min(size, cur.offset + opts.maxReadBytes);
  const chunk = Math.max(1 << 20, 2 * opts.maxRecordBytes);
  const buf = Buffer.allocUnsafe(chunk);
  let pos = cur.offset;
  let committed = cur.offset;
  let record: string | undefined;
  let recordStart = 0;
  const emit = (text: string) => onRecord(levelFor(text, opts));
  while (pos < end) {
    const n = (await fh.read(buf, 0, Math.min(chunk, end - pos), pos)).bytesRead;
    if (n === 0) break;
    let ls = 0;
    if (cur.skipping) {
      const nl = buf.indexOf(10, 0);
      if (nl < 0 || nl >= n) {
        pos += n;
        committed = pos;
        continue;
      }
      cur.skipping = false;
      ls = nl + 1;
      committed = pos + ls;
    }
    for (;;) {
      const nl = buf.indexOf(10, ls);
      if (nl < 0 || nl >= n) break;
      let le = nl;
      if (le > ls && buf[le - 1] === 13) le--;
      const text = buf.toString('utf8', ls, Math.min(le, ls + opts.maxRecordBytes));
      if (!opts.start) {
        emit(text);
        committed = pos + nl + 1;
      } else if (record === undefined || opts.start.test(text)) {
        if (record !== undefined) emit(record);
        committed = pos + ls;
        record = text;
        recordStart = pos + ls;
      } else if (record.length < opts.maxRecordBytes) {
        record = `${record}\n${text}`.slice(0, opts.maxRecordBytes);
      }
      ls = nl + 1;
    }
    if (ls === 0 && n - ls >= opts.maxRecordBytes) {
      // One line longer than the record bound: counted once, cut, the rest skipped.
      if (record !== undefined) emit(record);
      record = undefined;
      emit(buf.toString('utf8', 0, opts.maxRecordBytes));
      cur.skipping = true;
      pos += n;
      committed = pos;
      continue;
    }
    if (ls === 0) break;
    pos += ls;
    if (!opts.start) committed = pos;
  }
  if (record !== undefined) {
    // The last record may still grow (a stack trace being written): count it
    // once the file has stopped growing for a run, or when told to (the end of a rotated file).
    if (flush) {
      emit(record);
      committed = pos;
      cur.held = undefined;
    } else {
      committed = recordStart;
      cur.held = size;
    }
  } else cur.held = undefined;
  cur.offset = committed;
  cur.tail = await bytesBefore(fh, committed);
}

function levelFor(text: string, opts: FollowOptions): string | undefined {
  if (!opts.levels) return levelOf(text);
  for (const l of opts.levels) if (l.re.test(text)) return l.level;
  return undefined;
}

async function bytesBefore(fh: Handle, offset: number): Promise<string> {
  if (offset === 0) return '';
  const len = Math.min(tailBytes, offset);
  const b = Buffer.alloc(len);
  const { bytesRead } = await fh.read(b, 0, len, offset - len);
  return b.subarray(0, bytesRead).toString('base64');
}

/** The rotated sibling that is the same inode as the cursor's file, uncompressed. */
async function findInode(file: string, cur: Cursor): Promise<string | undefined> {
  try {
    const st = await stat(file);
    if (st.ino === cur.ino && st.dev === cur.dev) return file;
  } catch {}
  for (const s of rotatedSiblings(file)) {
    if (s.compression) continue;
    try {
      const st = await stat(s.path);
      if (st.ino === cur.ino && st.dev === cur.dev) return s.path;
    } catch {}
  }
  return undefined;
}

/** After copytruncate: the newest uncompressed sibling whose bytes end where we stopped. */
async function findCopy(file: string, cur: Cursor): Promise<string | undefined> {
  if (cur.offset === 0) return undefined;
  for (const s of rotatedSiblings(file).reverse()) {
    if (s.compression || s.size < cur.offset) continue;
    const fh = await open(s.path, 'r').catch(() => undefined);
    if (!fh) continue;
    try {
      if ((await bytesBefore(fh, cur.offset)) === cur.tail) return s.path;
    } finally {
      await fh.close();
    }
  }
  return undefined;
}

/**
 * Uncompressed rotated files newer than `old`, oldest first: app.log.1 is newer
 * than app.log.3; app.log-20261127 newer than app.log-20261126.
 */
async function newerSiblings(file: string, old: string): Promise<string[]> {
  const base = path.basename(file);
  const index = (p: string) => {
    const m = /^\.(\d+)$/.exec(path.basename(p).slice(base.length));
    return m ? Number(m[1]) : undefined;
  };
  const oldIndex = index(old);
  const sibs = rotatedSiblings(file).filter((s) => !s.compression && s.path !== old);
  if (oldIndex !== undefined) {
    return sibs
      .map((s) => ({ p: s.path, i: index(s.path) }))
      .filter((s): s is { p: string; i: number } => s.i !== undefined && s.i < oldIndex)
      .sort((a, b) => b.i - a.i)
      .map((s) => s.p);
  }
  const oldName = path.basename(old);
  return sibs
    .map((s) => s.path)
    .filter((p) => index(p) === undefined && path.basename(p) > oldName)
    .sort();
}

import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { chown, lstat, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { describe, VigilError } from '../errors.js';
import type { RotateOptions } from './rotate-config.js';

export interface RotateDeps {
  now: number;
  /** when this file was last rotated; undefined when never, or when the record is unreadable */
  lastRotated(file: string): Promise<number | undefined>;
  recordRotated(file: string, at: number): Promise<void>;
  /** runs the post hook; default `sh -c` with VIGIL_LOG_FILE set */
  runHook?(command: string, env: Record<string, string>): Promise<void>;
}

export interface RotationAction {
  op: 'rename' | 'create' | 'copytruncate' | 'compress' | 'delete' | 'post';
  from?: string;
  to?: string;
}

export interface RotationResult {
  file: string;
  rotated: boolean;
  /** why it was or was not rotated */
  reason: string;
  actions: RotationAction[];
}

const ext = { gzip: '.gz', zstd: '.zst' } as const;

/**
 * Rotates one log file if it is due, with logrotate's semantics where they are
 * sound and these fixes where they are not: an existing rotated file is never
 * overwritten (the rotation fails, nothing is deleted); the rotation is recorded
 * only once it has completed; an original is deleted only after its compressed
 * copy is fsynced and renamed into place; a world-writable directory or a
 * hard-linked file is refused unless allowed; the first run judges `when` from
 * the file's modification time, not from "now".
 */
export async function rotateFile(
  file: string,
  opts: RotateOptions,
  deps: RotateDeps,
  dryRun = false,
): Promise<RotationResult> {
  const actions: RotationAction[] = [];
  const result = (rotated: boolean, reason: string): RotationResult => ({ file, rotated, reason, actions });
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw failed(file, e);
    if (opts.missing_ok) return result(false, 'missing (missing_ok)');
    throw new VigilError('LOG_NOT_FOUND', `${file} does not exist`, {
      hint: 'fix the path, or set missing_ok: true if the file appears later',
    });
  }
  if (!st.isFile()) {
    throw new VigilError('LOG_ROTATE_FAILED', `${file} is not a regular file`, {
      hint: 'rotate files, not symlinks or directories',
    });
  }
  const dir = path.dirname(file);
  const dirSt = await stat(dir);
  if (dirSt.mode & 0o002 && !opts.allow_world_writable) {
    throw new VigilError('LOG_ROTATE_FAILED', `refusing to rotate ${file}: ${dir} is world-writable`, {
      hint: 'anyone could plant a symlink there; fix the permissions or set allow_world_writable: true',
    });
  }
  if (st.nlink > 1 && !opts.allow_hardlinks) {
    throw new VigilError('LOG_ROTATE_FAILED', `refusing to rotate ${file}: it has ${st.nlink} hard links`, {
      hint: 'rotating would leave the other names pointing at the old data; set allow_hardlinks: true to rotate anyway',
    });
  }
  const targetDir = opts.olddir ? path.resolve(dir, opts.olddir) : dir;
  if (opts.olddir) {
    let oldSt: Awaited<ReturnType<typeof stat>>;
    try {
      oldSt = await stat(targetDir);
    } catch {
      throw new VigilError('LOG_ROTATE_FAILED', `olddir ${targetDir} does not exist`, {
        hint: 'create it (same filesystem as the log) first',
      });
    }
    if (oldSt.dev !== st.dev && opts.mode !== 'copytruncate') {
      throw new VigilError('LOG_ROTATE_FAILED', `olddir ${targetDir} is on another filesystem than ${file}`, {
        hint: 'a rename cannot cross filesystems: move olddir, or use mode: copytruncate (which copies)',
      });
    }
  }

  const why = await due(file, st.size, st.mtimeMs, opts, deps);
  if (!why.due) return result(false, why.reason);

  const base = path.basename(file);
  const cext = opts.compress ? ext[opts.compress] : '';
  const names = await readdir(targetDir);
  const rotatedRe = rotatedPattern(base, opts);
  const ops = dryRun ? planOnly(actions) : live(actions, deps, file);

  // 1. Work out every move before touching anything, so a conflict changes nothing.
  const moves: [string, string][] = [];
  let fresh: string;
  let overflow: string[] = [];
  if (opts.dateext) {
    fresh = path.join(targetDir, base + formatDate(opts.date_format, deps.now));
    for (const e of ['', '.gz', '.zst']) {
      if (names.includes(path.basename(fresh) + e)) {
        throw new VigilError('LOG_ROTATE_FAILED', `cannot rotate ${file}: ${fresh}${e} already exists`, {
          hint: 'rotated twice in one date period: add %H%M%S to date_format; nothing was changed',
        });
      }
    }
    const dated = names.filter((n) => rotatedRe.test(n)).sort();
    // the new file will be the newest; keep-1 of the existing ones stay
    overflow = dated.slice(0, Math.max(0, dated.length - Math.max(0, opts.keep - 1)));
    if (opts.keep === 0) overflow = dated;
  } else {
    fresh = path.join(targetDir, `${base}.1`);
    const byIndex = new Map<number, string[]>();
    for (const n of names) {
      const m = rotatedRe.exec(n);
      if (m) byIndex.set(Number(m[1]), [...(byIndex.get(Number(m[1])) ?? []), n]);
    }
    const indexes = [...byIndex.keys()].sort((a, b) => b - a);
    for (const i of indexes) {
      for (const n of byIndex.get(i)!) {
        const suffix = n.slice(`${base}.${i}`.length);
        const to = `${base}.${i + 1}${suffix}`;
        if (i + 1 > opts.keep) overflow.push(to);
        moves.push([path.join(targetDir, n), path.join(targetDir, to)]);
      }
    }
    for (const [, to] of moves) {
      if (names.includes(path.basename(to)) && !moves.some(([from]) => from === to)) {
        throw new VigilError('LOG_ROTATE_FAILED', `cannot rotate ${file}: ${to} already exists`, {
          hint: 'remove or rename the stray file; nothing was changed',
        });
      }
    }
    overflow = overflow.map((n) => path.join(targetDir, n));
  }

  // keep: 0 is logrotate's `rotate 0`: the old contents are moved aside and removed, none kept.
  if (opts.keep === 0) overflow.push(opts.dateext ? path.basename(fresh) : fresh);

  // 2. Shift, then move the live file aside (or copy and truncate it).
  for (const [from, to] of moves) await ops.rename(from, to);
  if (opts.mode === 'copytruncate') await ops.copytruncate(file, fresh);
  else {
    await ops.rename(file, fresh);
    await ops.create(file, st);
  }
  if (opts.post) await ops.post(opts.post);

  // 3. Compress this rotation's file, or (delay_compress) the previous one.
  if (opts.compress) {
    const target = opts.delay_compress ? previousUncompressed(names, base, opts, targetDir, moves) : fresh;
    // (overflow holds names for dateext, paths otherwise)
    const dropped = target && (overflow.includes(target) || overflow.includes(path.basename(target)));
    if (target && !dropped) await ops.compress(target, target + cext, opts.compress);
  }

  // 4. Only now delete what falls beyond keep and max_age.
  for (const o of overflow) await ops.delete(opts.dateext ? path.join(targetDir, o) : o);
  if (opts.max_age !== undefined) {
    for (const n of names) {
      if (!rotatedRe.test(n)) continue;
      const p = path.join(targetDir, n);
      const moved = moves.find(([from]) => from === p)?.[1] ?? p;
      if (overflow.includes(moved) || overflow.includes(n)) continue;
      const m = await stat(moved).catch(() => undefined);
      if (m && m.mtimeMs < deps.now - opts.max_age) {
        const compressedLater = actions.find((a) => a.op === 'compress' && a.from === moved)?.to;
        await ops.delete(compressedLater ?? moved);
      }
    }
  }
  if (!dryRun) await deps.recordRotated(file, deps.now);
  return result(true, why.reason);
}

async function due(
  file: string,
  size: number,
  mtimeMs: number,
  opts: RotateOptions,
  deps: RotateDeps,
): Promise<{ due: boolean; reason: string }> {
  if (opts.not_if_empty && size === 0) return { due: false, reason: 'empty (not_if_empty)' };
  if (opts.when === undefined) {
    return size >= opts.max_size!
      ? { due: true, reason: `size ${size} ≥ max_size ${opts.max_size}` }
      : { due: false, reason: `size ${size} < max_size ${opts.max_size}` };
  }
  if (opts.max_size !== undefined && size > opts.max_size) {
    return { due: true, reason: `size ${size} > max_size ${opts.max_size}` };
  }
  const last = (await deps.lastRotated(file)) ?? mtimeMs;
  if (!periodPassed(opts.when, last, deps.now)) return { due: false, reason: `not yet ${opts.when}` };
  if (opts.min_size !== undefined && size < opts.min_size) {
    return { due: false, reason: `size ${size} < min_size ${opts.min_size}` };
  }
  return { due: true, reason: `${opts.when}: last rotated ${new Date(last).toISOString()}` };
}

/** logrotate's calendar rules, in local time. */
export function periodPassed(when: 'daily' | 'weekly' | 'monthly', last: number, now: number): boolean {
  if (now < last) return false;
  const a = new Date(last);
  const b = new Date(now);
  if (when === 'daily') return a.toDateString() !== b.toDateString();
  if (when === 'monthly') return a.getFullYear() !== b.getFullYear() || a.getMonth() !== b.getMonth();
  return b.getDay() < a.getDay() || now - last >= 7 * 86_400_000;
}

/** Names rotation made of `base`: base.N[.gz|.zst], or base<date>[.gz|.zst] with dateext. */
function rotatedPattern(base: string, opts: RotateOptions): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!opts.dateext) return new RegExp(`^${esc(base)}\\.(\\d+)(\\.gz|\\.zst)?$`);
  const date = opts.date_format
    .split(/(%[YmdHMSs])/)
    .map((part) =>
      part === '%Y' ? '\\d{4}' : part === '%s' ? '\\d+' : /^%[mdHMS]$/.test(part) ? '\\d{2}' : esc(part),
    )
    .join('');
  return new RegExp(`^${esc(base)}${date}(\\.gz|\\.zst)?$`);
}

export function formatDate(format: string, now: number): string {
  const d = new Date(now);
  const two = (n: number) => String(n).padStart(2, '0');
  return format.replace(/%([YmdHMSs])/g, (_, c: string) => {
    switch (c) {
      case 'Y':
        return String(d.getFullYear());
      case 'm':
        return two(d.getMonth() + 1);
      case 'd':
        return two(d.getDate());
      case 'H':
        return two(d.getHours());
      case 'M':
        return two(d.getMinutes());
      case 'S':
        return two(d.getSeconds());
      default:
        return String(Math.floor(now / 1000));
    }
  });
}

/** With delay_compress: the rotated file the previous run left uncompressed, wherever it is now. */
function previousUncompressed(
  names: string[],
  base: string,
  opts: RotateOptions,
  dir: string,
  moves: [string, string][],
): string | undefined {
  if (!opts.dateext) {
    const p = path.join(dir, `${base}.1`);
    return moves.find(([from]) => from === p)?.[1];
  }
  const re = rotatedPattern(base, opts);
  const plain = names.filter((n) => re.test(n) && !/\.(gz|zst)$/.test(n)).sort();
  const last = plain.at(-1);
  return last ? path.join(dir, last) : undefined;
}

interface Ops {
  rename(from: string, to: string): Promise<void>;
  create(file: string, like: { mode: number; uid: number; gid: number }): Promise<void>;
  copytruncate(file: string, to: string): Promise<void>;
  post(command: string): Promise<void>;
  compress(from: string, to: string, how: 'gzip' | 'zstd'): Promise<void>;
  delete(file: string): Promise<void>;
}

function planOnly(actions: RotationAction[]): Ops {
  return {
    rename: async (from, to) => void actions.push({ op: 'rename', from, to }),
    create: async (file) => void actions.push({ op: 'create', to: file }),
    copytruncate: async (from, to) => void actions.push({ op: 'copytruncate', from, to }),
    post: async (command) => void actions.push({ op: 'post', to: command }),
    compress: async (from, to) => void actions.push({ op: 'compress', from, to }),
    delete: async (file) => void actions.push({ op: 'delete', from: file }),
  };
}

function live(actions: RotationAction[], deps: RotateDeps, logFile: string): Ops {
  const plan = planOnly(actions);
  return {
    async rename(from, to) {
      await plan.rename(from, to);
      await rename(from, to).catch((e) => {
        throw failed(logFile, e);
      });
    },
    async create(file, like) {
      await plan.create(file, like);
      // wx: if the app already recreated it, leave the app's file alone
      const fh = await open(file, 'wx', like.mode & 0o7777).catch((e) => {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
        throw failed(logFile, e);
      });
      if (!fh) return;
      await fh.chmod(like.mode & 0o7777);
      await chown(file, like.uid, like.gid).catch(() => {});
      await fh.close();
    },
    async copytruncate(file, to) {
      await plan.copytruncate(file, to);
      // Open for writing first: a file we cannot truncate must not be copied and left as it was.
      const fh = await open(file, 'r+').catch((e) => {
        throw failed(logFile, e);
      });
      const tmp = `${to}.vigil-tmp`;
      try {
        // The bulk is copied and made durable while the app keeps writing; then only what
        // arrived meanwhile is copied just before the truncate, to keep the window that
        // loses lines as short as it can be.
        const out = await open(tmp, 'wx', 0o600);
        try {
          const buf = Buffer.allocUnsafe(1 << 20);
          let pos = 0;
          const copyTo = async (end: number) => {
            while (pos < end) {
              const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
              if (bytesRead === 0) break;
              await out.write(buf, 0, bytesRead, pos);
              pos += bytesRead;
            }
          };
          await copyTo((await fh.stat()).size);
          await out.sync();
          await copyTo((await fh.stat()).size);
          await fh.truncate(0);
          await out.chmod((await fh.stat()).mode & 0o7777);
          await out.sync();
        } finally {
          await out.close();
        }
        await rename(tmp, to);
        await fsyncDir(path.dirname(to));
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw failed(logFile, e);
      } finally {
        await fh.close();
      }
    },
    async post(command) {
      await plan.post(command);
      await (deps.runHook ?? shell)(command, { VIGIL_LOG_FILE: logFile }).catch((e) => {
        throw new VigilError(
          'LOG_ROTATE_FAILED',
          `${logFile} was rotated but its post hook failed: ${describe(e)}`,
          {
            hint: 'the app may still write to the rotated file; fix the hook (it should make the app reopen its log)',
            cause: e,
          },
        );
      });
    },
    async compress(from, to, how) {
      await plan.compress(from, to, how);
      if (await exists(to)) {
        throw new VigilError('LOG_ROTATE_FAILED', `cannot compress ${from}: ${to} already exists`, {
          hint: 'remove or rename the stray file; the uncompressed copy was kept',
        });
      }
      const tmp = `${to}.vigil-tmp`;
      try {
        if (how === 'gzip') await pipeline(createReadStream(from), createGzip(), createWriteStream(tmp));
        else await zstd(from, tmp);
        await fsyncFile(tmp);
        await rename(tmp, to);
        await fsyncDir(path.dirname(to));
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw failed(logFile, e);
      }
      // The original goes only once its compressed copy is on disk under its final name.
      await unlink(from);
    },
    async delete(file) {
      await plan.delete(file);
      await unlink(file).catch((e) => {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw failed(logFile, e);
      });
    },
  };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function fsyncFile(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function fsyncDir(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync().catch(() => {});
  } finally {
    await fh.close();
  }
}

function zstd(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('zstd', ['-q', '-f', '-o', to, '--', from], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', (e) => reject(new Error(`zstd is needed for compress: zstd (${e.message})`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`zstd exited with ${code}: ${err.trim()}`)),
    );
  });
}

function shell(command: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`exit ${code}: ${err.trim().slice(0, 300)}`)),
    );
  });
}

function failed(file: string, e: unknown): VigilError {
  if (e instanceof VigilError) return e;
  return new VigilError('LOG_ROTATE_FAILED', `rotating ${file} failed: ${describe(e)}`, {
    hint: 'check permissions and free space; the rotation was not recorded and will be retried',
    cause: e,
  });
}

/**
 * The files a configured `path` names now: the path itself, or what a glob
 * matches. A glob matching nothing is an error unless `missing_ok`, as
 * logrotate reports `stat of /var/log/app/*.log failed` for it; a typo in a
 * pattern must not pass silently for months.
 */
export function logFiles(pattern: string, opts: { missing_ok: boolean }, cwd?: string): string[] {
  if (!isDynamicPattern(pattern)) return [pattern];
  const files = globSync(pattern, { absolute: true, onlyFiles: true, cwd }).sort();
  if (!files.length && !opts.missing_ok) {
    throw new VigilError('LOG_NOT_FOUND', `${pattern} matches no file`, {
      hint: 'fix the pattern, or set missing_ok: true if the files appear later',
    });
  }
  return files;
}

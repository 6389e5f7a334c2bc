import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VigilError } from '../errors.js';

/** One command of a pipeline: argv and extra environment (secrets go here, never in argv). */
export interface Stage {
  argv: string[];
  env?: Record<string, string>;
}

export class BackupFailed extends VigilError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('BACKUP_FAILED', message, { hint, cause });
  }
}

/**
 * Run `a | b | c`, with the first stage's stdin from `input` (a file) or nothing,
 * and the last stage's stdout into `output` (a file, fsynced) or discarded.
 * Every stage must exit 0: a failure anywhere fails the whole run, as
 * `set -o pipefail` would, with the failing stage's stderr in the message.
 */
export async function runPipeline(
  stages: Stage[],
  opts: { input?: string; output?: string; signal: AbortSignal; onProgress?: (bytes: number) => void },
): Promise<{ bytes: number; stdout: string; sha256?: string }> {
  const children = stages.map((s) =>
    spawn(s.argv[0]!, s.argv.slice(1), {
      env: { ...process.env, ...s.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: opts.signal,
    }),
  );
  const stderr = children.map(() => '');
  const exits = children.map(
    (c, i) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
        c.stderr.on('data', (d: Buffer) => {
          if (stderr[i]!.length < 8192) stderr[i] += d.toString();
        });
        c.on('error', (error) => resolve({ code: null, signal: null, error }));
        c.on('close', (code, signal) => resolve({ code, signal }));
      }),
  );
  const plumbing: Promise<unknown>[] = [];
  for (let i = 0; i + 1 < children.length; i++) {
    // A stage that dies early closes the pipe; its exit status, not EPIPE, is the story.
    children[i + 1]!.stdin.on('error', () => {});
    plumbing.push(pipeline(children[i]!.stdout, children[i + 1]!.stdin).catch(() => {}));
  }
  const first = children[0]!;
  first.stdin.on('error', () => {});
  if (opts.input) plumbing.push(pipeline(createReadStream(opts.input), first.stdin).catch(() => {}));
  else first.stdin.end();

  const last = children.at(-1)!;
  let bytes = 0;
  let stdout = '';
  const hash = createHash('sha256');
  let sink: Promise<void>;
  if (opts.output) {
    const out = createWriteStream(opts.output, { flags: 'wx' });
    // Hashing as the bytes pass saves reading the artifact a second time.
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        opts.onProgress?.(bytes);
        done(null, chunk);
      },
    });
    sink = pipeline(last.stdout, counter, out);
  } else {
    sink = new Promise((resolve, reject) => {
      last.stdout.on('data', (d: Buffer) => {
        bytes += d.length;
        if (stdout.length < 65536) stdout += d.toString();
      });
      last.stdout.on('end', resolve);
      last.stdout.on('error', reject);
    });
  }
  const sinkResult = await sink.then(
    () => undefined,
    (e: Error) => e,
  );
  if (sinkResult) for (const c of children) c.kill('SIGKILL');
  const results = await Promise.all(exits);
  await Promise.all(plumbing);
  if (opts.signal.aborted) throw new BackupFailed('the run was cancelled');
  if (sinkResult) {
    const code = (sinkResult as NodeJS.ErrnoException).code;
    throw new BackupFailed(
      `writing the backup failed: ${sinkResult.message}`,
      code === 'ENOSPC' ? 'the repository disk is full: free space or prune old backups' : undefined,
      sinkResult,
    );
  }
  results.forEach((r, i) => {
    const name = stages[i]!.argv[0];
    if (r.error) {
      const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new BackupFailed(
        `${name} could not start: ${r.error.message}`,
        missing ? `install ${name} or put it on PATH` : undefined,
        r.error,
      );
    }
    if (r.code !== 0) {
      const why = r.signal ? `was killed by ${r.signal}` : `exited with ${r.code}`;
      const detail = stderr[i]!.trim().split('\n').slice(-3).join(' / ');
      throw new BackupFailed(`${name} ${why}${detail ? `: ${detail}` : ''}`);
    }
  });
  if (!opts.output) return { bytes, stdout };
  await fsyncPath(opts.output);
  const sha256 = hash.digest('hex');
  hashed.set(path.resolve(opts.output), { sha256, size: bytes });
  return { bytes, stdout, sha256 };
}

/** Output of a short command, e.g. a version; undefined when it cannot run. */
export async function capture(argv: string[], env: Record<string, string> = {}): Promise<string | undefined> {
  try {
    const r = await runPipeline([{ argv, env }], { signal: AbortSignal.timeout(10_000) });
    return r.stdout.trim();
  } catch {
    return undefined;
  }
}

export async function fsyncPath(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Hashes taken while pipelines wrote their output, so a fresh artifact is not read twice. */
const hashed = new Map<string, { sha256: string; size: number }>();

/** The hash taken while `file` was written by runPipeline, if it was (asked once). */
export function hashedWhileWriting(file: string): { sha256: string; size: number } | undefined {
  const key = path.resolve(file);
  const h = hashed.get(key);
  hashed.delete(key);
  return h;
}

export async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

const which = new Map<string, Promise<boolean>>();
/** Whether a program is on PATH (asked once per process). */
export function hasProgram(name: string): Promise<boolean> {
  let p = which.get(name);
  if (!p) {
    p = runPipeline([{ argv: ['sh', '-c', `command -v ${name}`] }], {
      signal: AbortSignal.timeout(5000),
    }).then(
      () => true,
      () => false,
    );
    which.set(name, p);
  }
  return p;
}

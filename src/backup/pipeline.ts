import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, fsyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
 * and the last stage's stdout into `output` (a new file, fsynced) or collected.
 * The stages are joined by pipes between the processes themselves, and the last
 * writes straight into the file, as a shell would: the bytes never pass through
 * Node. Every stage must exit 0: a failure anywhere fails the whole run, as
 * `set -o pipefail` would, with the failing stage's stderr in the message.
 */
export async function runPipeline(
  stages: Stage[],
  opts: {
    input?: string;
    output?: string;
    signal: AbortSignal;
    onProgress?: (bytes: number) => void;
    /** how much of the last stage's stdout to keep when there is no output file (default 64 KiB) */
    stdoutLimit?: number;
  },
): Promise<{ bytes: number; stdout: string }> {
  const outFd = opts.output ? openSync(opts.output, 'wx') : undefined;
  const inFd = opts.input ? openSync(opts.input, 'r') : undefined;
  const children: ChildProcess[] = [];
  try {
    stages.forEach((s, i) => {
      const prev = children[i - 1];
      const last = i === stages.length - 1;
      children.push(
        spawn(s.argv[0]!, s.argv.slice(1), {
          env: { ...process.env, ...s.env },
          stdio: [
            prev ? (prev.stdout ?? 'ignore') : (inFd ?? 'ignore'),
            last ? (outFd ?? 'pipe') : 'pipe',
            'pipe',
          ],
          signal: opts.signal,
        }),
      );
      // The next stage holds the read end now; keeping ours open would hide its death from the writer.
      prev?.stdout?.destroy();
    });
  } finally {
    if (inFd !== undefined) closeSync(inFd);
  }
  const stderr = children.map(() => '');
  const exits = children.map(
    (c, i) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
        c.stderr?.on('data', (d: Buffer) => {
          if (stderr[i]!.length < 8192) stderr[i] += d.toString();
        });
        c.on('error', (error) => resolve({ code: null, signal: null, error }));
        c.on('close', (code, signal) => resolve({ code, signal }));
      }),
  );
  let stdout = '';
  let bytes = 0;
  const last = children.at(-1)!;
  last.stdout?.on('data', (d: Buffer) => {
    bytes += d.length;
    if (stdout.length < (opts.stdoutLimit ?? 65536)) stdout += d.toString();
  });
  const progress =
    outFd !== undefined && opts.onProgress
      ? // Progress of one running backup for its bar, not scheduled work: cleared when the dump ends.
        setInterval(() => opts.onProgress?.(fstatSync(outFd).size), 250)
      : undefined;
  const results = await Promise.all(exits);
  if (progress) clearInterval(progress);
  try {
    if (opts.signal.aborted) throw new BackupFailed('the run was cancelled');
    results.forEach((r, i) => {
      if (!r.error) return;
      const name = stages[i]!.argv[0];
      if ((r.error as NodeJS.ErrnoException).code === 'ABORT_ERR')
        throw new BackupFailed('the run was cancelled');
      const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new BackupFailed(
        `${name} could not start: ${r.error.message}`,
        missing ? `install ${name} or put it on PATH` : undefined,
        r.error,
      );
    });
    // As with pipefail, the rightmost failure is the story: a stage upstream of it
    // usually died of the broken pipe it left.
    for (let i = results.length - 1; i >= 0; i--) {
      const r = results[i]!;
      if (r.code === 0) continue;
      const why = r.signal ? `was killed by ${r.signal}` : `exited with ${r.code}`;
      const detail = stderr[i]!.trim().split('\n').slice(-3).join(' / ');
      throw new BackupFailed(
        `${stages[i]!.argv[0]} ${why}${detail ? `: ${detail}` : ''}`,
        /No space left on device/i.test(detail)
          ? 'the disk is full: free space or prune old backups'
          : undefined,
      );
    }
    if (outFd !== undefined) {
      fsyncSync(outFd);
      bytes = fstatSync(outFd).size;
    }
  } finally {
    if (outFd !== undefined) closeSync(outFd);
  }
  return { bytes, stdout };
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

import { spawn } from 'node:child_process';

export interface CommandOutcome {
  /** null when the process was killed */
  exitCode: number | null;
  timedOut: boolean;
  /** stdout and stderr interleaved as they came, cut at maxBytes */
  output: string;
  /** bytes left out after the cut */
  droppedBytes: number;
  durationMs: number;
  /** the process could not start */
  error?: string;
}

/**
 * Run a shell command, keeping at most `maxBytes` of its output: a script that
 * prints 50 MB costs 50 MB of reading, never 50 MB of memory. On timeout or
 * abort the whole process group is killed.
 */
export function runCommand(
  command: string | readonly string[],
  opts: { timeoutMs: number; maxBytes: number; cwd?: string; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<CommandOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const [file, args] =
      typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0]!, command.slice(1)];
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let dropped = 0;
    let timedOut = false;
    const take = (b: Buffer) => {
      const room = opts.maxBytes - keptBytes;
      if (room > 0) {
        const part = b.length <= room ? b : b.subarray(0, room);
        kept.push(part);
        keptBytes += part.length;
        dropped += b.length - part.length;
      } else dropped += b.length;
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    // The deadline of one step's command, not scheduled work.
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    const onAbort = () => kill();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let error: string | undefined;
    child.on('error', (e) => {
      error = e.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode: code,
        timedOut,
        output: utf8Prefix(Buffer.concat(kept)),
        droppedBytes: dropped,
        durationMs: performance.now() - started,
        ...(error ? { error } : {}),
      });
    });
  });
}

/** The bytes as text without a character cut in half at the end. */
function utf8Prefix(b: Buffer): string {
  let end = b.length;
  // Step back over continuation bytes to the start of the last character; drop it if incomplete.
  let i = end - 1;
  while (i >= 0 && i > end - 4 && (b[i]! & 0xc0) === 0x80) i--;
  if (i >= 0) {
    const lead = b[i]!;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
  }
  return b.subarray(0, end).toString('utf8');
}

export function truncationMarker(droppedBytes: number): string {
  return droppedBytes ? `\n… [output truncated: ${droppedBytes} more bytes not kept]` : '';
}

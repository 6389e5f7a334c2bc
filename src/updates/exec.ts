import { execFile } from 'node:child_process';

export interface ExecResult {
  /** null when the process could not start or was killed */
  code: number | null;
  stdout: string;
  stderr: string;
  /** why it could not start or was killed (ENOENT, a timeout) */
  error?: string;
}

/** Runs a program without a shell; the seam where tests give recorded outputs of tools not installed here. */
export type Exec = (
  argv: readonly string[],
  opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv },
) => Promise<ExecResult>;

/** execFile with a deadline and 16 MiB of output, never rejecting: a failure is data. */
export const exec: Exec = (argv, opts = {}) =>
  new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      {
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, LC_ALL: 'C', ...opts.env },
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        if (!e) return resolve({ code: 0, stdout, stderr });
        if (typeof e.code === 'number') return resolve({ code: e.code, stdout, stderr });
        resolve({
          code: null,
          stdout,
          stderr,
          error:
            e.code === 'ENOENT'
              ? `${argv[0]} is not installed`
              : e.killed
                ? `${argv[0]} timed out`
                : e.message,
        });
      },
    );
  });

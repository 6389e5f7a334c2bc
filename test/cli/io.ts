import type { Io } from '../../src/cli/output.js';

/** An Io that keeps what the CLI prints. */
export function captureIo(cwd: string, env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), isTTY: false, env, cwd };
  return { io, out, err, stdout: () => out.join('\n'), stderr: () => err.join('\n') };
}

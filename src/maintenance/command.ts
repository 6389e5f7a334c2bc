import { z } from 'zod';
import { runCommand } from '../routines/run-command.js';
import type { TaskKind } from './types.js';

const schema = z.union([
  z
    .string()
    .min(1)
    .transform((run) => ({ run: run as string | string[] })),
  z.strictObject({ run: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]) }),
]);
type Spec = z.output<typeof schema>;

/** Any cleanup script: exit 0 is success; the process group is killed at the timeout. */
export const command: TaskKind<Spec> = {
  schema,
  target: (s) => (typeof s.run === 'string' ? s.run : s.run.join(' ')),
  async run(spec, ctx) {
    const r = await runCommand(spec.run, {
      timeoutMs: ctx.timeoutMs + 1000,
      maxBytes: 4096,
      cwd: ctx.baseDir,
      signal: ctx.signal,
    });
    const tail = r.output.trim().split('\n').slice(-3).join(' ').slice(0, 500);
    if (r.error) throw new Error(`could not start: ${r.error}`);
    if (ctx.signal.aborted) throw new Error('cancelled: the task ran past its timeout');
    if (r.exitCode !== 0) throw new Error(`exit code ${r.exitCode}${tail ? `: ${tail}` : ''}`);
    return tail || 'exit code 0';
  },
};

import { z } from 'zod';
import { duration, maxTimerWait, size } from '../../config/types.js';
import { runCommand, truncationMarker } from '../run-command.js';
import { fmtMs, type StepKind } from './types.js';

const full = z.strictObject({
  /** a shell command line, or an argv array run without a shell */
  run: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  timeout: duration({ min: 100, max: maxTimerWait }).prefault('60s'),
  /** output kept in the report; the rest is dropped with a marker */
  max_output: size().default(16 * 1024),
  /** exit codes that only need attention (the rest of non-zero fail) */
  attention_codes: z.array(z.number().int()).default([1]),
});
const schema = z.union([
  z
    .string()
    .min(1)
    .transform((run) => full.parse({ run })),
  full,
]);

/** Any script: its exit code and output, truncated safely. 0 is ok. */
export const command: StepKind<z.output<typeof schema>> = {
  schema,
  title: (s) => `Command: ${typeof s.run === 'string' ? s.run : s.run.join(' ')}`.slice(0, 120),
  async run(spec, ctx) {
    const r = await runCommand(spec.run, {
      timeoutMs: spec.timeout,
      maxBytes: spec.max_output,
      cwd: ctx.baseDir,
      signal: ctx.signal,
    });
    const output = r.output.trimEnd() + truncationMarker(r.droppedBytes);
    const findings = output ? [{ status: 'ok' as const, text: output }] : [];
    if (r.error)
      return { status: 'failed', reason: r.error, summary: `could not start: ${r.error}`, findings };
    if (r.timedOut)
      return {
        status: 'failed',
        reason: `timed out after ${fmtMs(spec.timeout)}`,
        summary: `killed after ${fmtMs(spec.timeout)}`,
        findings,
      };
    const status =
      r.exitCode === 0 ? 'ok' : spec.attention_codes.includes(r.exitCode ?? -1) ? 'attention' : 'failed';
    return {
      status,
      ...(status === 'failed' ? { reason: `exit code ${r.exitCode}` } : {}),
      summary: `exit code ${r.exitCode} in ${fmtMs(r.durationMs)}`,
      findings,
    };
  },
};

import { existsSync } from 'node:fs';
import path from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { z } from 'zod';
import { duration } from '../../config/types.js';
import { linearRegex } from '../../core/linear-regex.js';
import { describe } from '../../errors.js';
import { scanLogs } from '../../logs/scan.js';
import type { Finding } from '../types.js';
import { options, type StepKind } from './types.js';

const schema = options(
  z.strictObject({
    /** files or globs (default: the files under logs: in vigil.yaml) */
    paths: z.array(z.string().min(1)).optional(),
    /** the window when there is no earlier run (default: the report's period) */
    since: duration({ min: 60_000 }).optional(),
    /** select lines by this text or /regex/ instead of the level words */
    match: z
      .string()
      .min(1)
      .superRefine((m, ctx) => {
        const re = asRegex(m);
        if (re === undefined) return;
        try {
          linearRegex(re);
        } catch (e) {
          ctx.addIssue({
            code: 'custom',
            message: `not a valid regular expression: ${(e as Error).message}`,
            params: {
              hint: 'JavaScript syntax without lookaround or backreferences, between slashes: /ERROR|FATAL/',
            },
          });
        }
      })
      .optional(),
    levels: z.array(z.string()).default(['fatal', 'error']),
    top: z.number().int().min(1).max(100).default(10),
  }),
);

/** Error counts and the top error messages since the last run. */
export const logs: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Logs',
  async run(spec, ctx) {
    const patterns = spec.paths ?? ctx.config.logs.map((l) => l.path);
    const files = patterns.flatMap((p) =>
      isDynamicPattern(p)
        ? globSync(p, { absolute: true, onlyFiles: true, cwd: ctx.baseDir }).sort()
        : [path.resolve(ctx.baseDir, p)],
    );
    if (!files.length)
      return {
        status: 'skipped',
        reason: 'no log files configured',
        summary: 'no log files configured',
        findings: [],
      };
    const since = ctx.previous?.at ?? (spec.since !== undefined ? ctx.now - spec.since : ctx.period.from);
    const findings: Finding[] = [];
    const readable = files.filter((f) => existsSync(f));
    for (const f of files)
      if (!readable.includes(f)) findings.push({ status: 'attention', text: `${f}: no such file` });
    let report: Awaited<ReturnType<typeof scanLogs>>;
    try {
      const re = spec.match === undefined ? undefined : asRegex(spec.match);
      const match = re === undefined ? spec.match : linearRegex(re);
      report = await scanLogs(readable, { since, now: ctx.now, levels: spec.levels, match, top: spec.top });
    } catch (e) {
      return {
        status: 'failed',
        reason: describe(e),
        summary: `cannot scan the logs: ${describe(e)}`,
        findings,
      };
    }
    const total = Object.values(report.counts).reduce((a, b) => a + b, 0);
    for (const f of report.fingerprints.slice(0, spec.top))
      findings.push({ status: 'attention', text: `${f.count}× ${f.template.slice(0, 200)}` });
    const counts = Object.entries(report.counts)
      .map(([level, n]) => `${n} ${level}`)
      .join(', ');
    return {
      status: total ? 'attention' : 'ok',
      summary: total
        ? `${counts} in ${report.files.length} file${report.files.length === 1 ? '' : 's'} since ${new Date(since).toISOString()}; ${report.distinctTemplates} distinct messages`
        : `no ${spec.match ? 'matching lines' : spec.levels.join('/')} in ${report.files.length} file${report.files.length === 1 ? '' : 's'} since ${new Date(since).toISOString()}`,
      findings,
      state: { counts: report.counts },
    };
  },
};

/** `/…/` is a regular expression (matched in linear time: log lines come from outside); anything else a literal. */
function asRegex(match: string): string | undefined {
  return /^\/.*\/$/.test(match) ? match.slice(1, -1) : undefined;
}

import { z } from 'zod';
import type { Finding } from '../types.js';
import { checkSelection, fmtAge, type StepKind, selectChecks } from './types.js';

const schema = z.union([z.null(), checkSelection]).transform((v) => v ?? '*');

/** The current state of all or some checks, and what changed since the last run. */
export const checks: StepKind<z.output<typeof schema>> = {
  schema,
  title: (s) => (s === '*' ? 'Checks' : `Checks: ${s.join(', ')}`),
  async run(spec, ctx) {
    const names = selectChecks(ctx.config, spec);
    if (!names.length)
      return {
        status: 'skipped',
        reason: 'no checks configured',
        summary: 'no checks configured',
        findings: [],
      };
    const latest = new Map((await ctx.store.checks.all()).map((c) => [c.name, c]));
    const before = (ctx.previous?.section?.state?.statuses ?? {}) as Record<string, string>;
    const statuses: Record<string, string> = {};
    const findings: Finding[] = [];
    let bad = 0;
    for (const name of names) {
      const last = latest.get(name)?.last;
      const status = last?.status ?? 'never run';
      statuses[name] = status;
      const was = before[name];
      const changed = was !== undefined && was !== status ? ` (was ${was})` : '';
      const healthy = status === 'ok';
      if (!healthy) bad++;
      const age = last ? `, ${fmtAge(ctx.now - last.at)} ago` : '';
      findings.push({
        status: healthy ? 'ok' : 'attention',
        text: `${name}: ${status}${changed}${last?.message ? ` (${last.message}${age})` : age}`,
      });
    }
    const changes = names.filter((n) => before[n] !== undefined && before[n] !== statuses[n]).length;
    return {
      status: bad ? 'attention' : 'ok',
      summary:
        `${names.length - bad} of ${names.length} checks ok` +
        (ctx.previous ? `; ${changes} changed since the last run` : ''),
      findings,
      state: { statuses },
    };
  },
};

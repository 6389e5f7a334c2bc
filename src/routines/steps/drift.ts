import { z } from 'zod';
import type { Finding } from '../types.js';
import { fmtAge, type StepKind } from './types.js';

const schema = z.union([z.null(), z.literal('*'), z.literal(true), z.strictObject({})]).transform(() => ({}));

/**
 * What the drift checks last saw: infrastructure that no longer matches its code, per check,
 * as the certificates step reads the tls checks. "2 resources in infra/".
 */
export const drift: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Drift',
  async run(_spec, ctx) {
    const checks = ctx.config.checks.filter((c) => c.kind === 'drift');
    if (!checks.length)
      return {
        status: 'skipped',
        reason: 'no drift checks configured',
        summary: 'no drift checks configured',
        findings: [],
      };
    const latest = new Map((await ctx.store.checks.all()).map((c) => [c.name, c.last]));
    const series = await ctx.store.queryable.select(
      [{ name: '__name__', type: '=', value: 'drift_resources' }],
      ctx.period.from,
      ctx.now,
    );
    const findings: Finding[] = [];
    const drifted: string[] = [];
    for (const c of checks) {
      const spec = c.spec as { tool: string; dir: string; playbook?: string };
      const where = spec.tool === 'ansible' ? (spec.playbook ?? spec.dir) : spec.dir;
      const last = latest.get(c.name);
      if (!last || last.at < ctx.period.from) {
        findings.push({ status: 'attention', text: `${c.name}: no run in the period` });
        continue;
      }
      const n = series
        .find((s) => s.labels.check === c.name)
        ?.points.filter((p) => !p.stale)
        .at(-1)?.v;
      const age = fmtAge(ctx.now - last.at);
      if (last.status === 'warning' && n !== undefined && n > 0) {
        const what =
          spec.tool === 'ansible' ? (n === 1 ? 'task' : 'tasks') : n === 1 ? 'resource' : 'resources';
        drifted.push(`${n} ${what} in ${where}`);
        findings.push({ status: 'attention', text: `${c.name}: ${last.message} (${age} ago)` });
      } else if (last.status === 'ok')
        findings.push({ status: 'ok', text: `${c.name}: no drift in ${where} (${age} ago)` });
      else
        findings.push({
          status: 'attention',
          text: `${c.name}: ${last.status}: ${last.message} (${age} ago)`,
        });
    }
    const unknown = findings.filter((f) => f.status === 'attention').length - drifted.length;
    return {
      status: findings.some((f) => f.status === 'attention') ? 'attention' : 'ok',
      summary: drifted.length
        ? `${drifted.join(', ')}${unknown ? `; ${unknown} drift check${unknown === 1 ? '' : 's'} without an answer` : ''}`
        : unknown
          ? `${unknown} of ${checks.length} drift checks without an answer`
          : `no drift in ${checks.length} drift check${checks.length === 1 ? '' : 's'}`,
      findings,
      state: { drifted: drifted.length },
    };
  },
};

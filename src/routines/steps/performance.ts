import { z } from 'zod';
import { ratio } from '../../checks/verdict.js';
import { latencyStats, p95Series } from '../latency.js';
import type { Chart, Finding } from '../types.js';
import { checkSelection, day, fmtMs, options, type StepKind, selectChecks } from './types.js';

const schema = options(
  z.strictObject({
    checks: checkSelection.default('*'),
    /** p95 this much worse than the baseline or the previous period is a regression */
    regression: ratio.default(0.2),
  }),
);

const change = (now: number, then: number) =>
  `${now >= then ? '+' : ''}${Math.round(((now - then) / then) * 100)}%`;

/**
 * p50/p95 latency per check this period, against the period before and
 * against the baseline `vigil baseline set` stored.
 */
export const performance: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Performance',
  async run(spec, ctx) {
    const { from, to } = ctx.period;
    const length = to - from;
    const baselines = new Map((await ctx.store.routines.baselines()).map((b) => [b.check, b]));
    const findings: Finding[] = [];
    const chart: Chart = {
      title: `p95 latency per ${length > 2 * day ? 'day' : 'hour'}`,
      kind: 'line',
      unit: 'ms',
      series: [],
    };
    let regressions = 0;
    for (const check of selectChecks(ctx.config, spec.checks)) {
      const cur = await latencyStats(ctx.store, check, from, to);
      if (!cur) continue;
      const prev = await latencyStats(ctx.store, check, from - length, from);
      const base = baselines.get(check);
      const parts = [`p50 ${fmtMs(cur.p50Ms)}, p95 ${fmtMs(cur.p95Ms)}`];
      let regressed = false;
      if (prev) {
        parts.push(`previous period p95 ${fmtMs(prev.p95Ms)} (${change(cur.p95Ms, prev.p95Ms)})`);
        if (prev.p95Ms > 0 && cur.p95Ms > prev.p95Ms * (1 + spec.regression)) regressed = true;
      }
      if (base) {
        parts.push(`baseline p95 ${fmtMs(base.p95Ms)} (${change(cur.p95Ms, base.p95Ms)})`);
        if (base.p95Ms > 0 && cur.p95Ms > base.p95Ms * (1 + spec.regression)) regressed = true;
      }
      if (regressed) regressions++;
      findings.push({
        status: regressed ? 'attention' : 'ok',
        text: `${check}: ${parts.join('; ')}${regressed ? ' — regression' : ''}`,
      });
      if (chart.series.length < 6)
        chart.series.push({
          name: check,
          points: await p95Series(ctx.store, check, from, to, length > 2 * day ? day : 3_600_000),
        });
    }
    if (!findings.length)
      return {
        status: 'skipped',
        reason: 'no check ran in the period',
        summary: 'no check ran in the period',
        findings,
      };
    return {
      status: regressions ? 'attention' : 'ok',
      summary: regressions
        ? `${regressions} check${regressions === 1 ? '' : 's'} slower than the baseline or the previous period by more than ${Math.round(spec.regression * 100)}%`
        : `no latency regression beyond ${Math.round(spec.regression * 100)}%`,
      findings,
      charts: [chart],
    };
  },
};

import { z } from 'zod';
import { ratio } from '../../checks/verdict.js';
import type { Chart, Finding } from '../types.js';
import { checkSelection, day, fmtPct, options, type StepKind, selectChecks } from './types.js';

const schema = options(
  z.strictObject({
    /** the objective every selected check is held to: 0.999 or "99.9%" */
    slo: ratio.default(0.999),
    checks: checkSelection.default('*'),
  }),
);

/** Availability per check over the period against an SLO, with the error budget left. */
export const availability: StepKind<z.output<typeof schema>> = {
  schema,
  title: (s) => `Availability (SLO ${fmtPct(s.slo, 2)})`,
  async run(spec, ctx) {
    const names = selectChecks(ctx.config, spec.checks);
    const { from, to } = ctx.period;
    const rows = (await ctx.store.rollups.availability(from, to, names)).filter((r) => r.runs > 0);
    if (!rows.length)
      return {
        status: 'skipped',
        reason: 'no check ran in the period',
        summary: 'no check ran in the period',
        findings: [],
      };
    rows.sort((a, b) => a.check.localeCompare(b.check));
    const findings: Finding[] = rows.map((r) => {
      const allowed = (1 - spec.slo) * r.runs;
      const failed = r.runs - r.up;
      const met = r.ratio! >= spec.slo;
      const left = allowed > 0 ? Math.max(0, 1 - failed / allowed) : 0;
      const budget = `error budget of ${allowed.toFixed(allowed < 10 ? 1 : 0)} failed runs`;
      return {
        status: met ? 'ok' : 'attention',
        text: met
          ? `${r.check}: ${fmtPct(r.ratio!, 3)} (${r.up}/${r.runs} runs up), ${fmtPct(left, 0)} of the ${budget} left`
          : `${r.check}: ${fmtPct(r.ratio!, 3)} (${r.up}/${r.runs} runs up), below the SLO: ${failed} failed runs against an ${budget}`,
      };
    });
    for (const n of names)
      if (!rows.some((r) => r.check === n))
        findings.push({ status: 'attention', text: `${n}: no runs in the period` });
    const res = to - from > 2 * day ? 'd' : 'h';
    const chart: Chart = {
      title: `Availability per ${res === 'd' ? 'day' : 'hour'}`,
      kind: 'bars',
      unit: 'ratio',
      target: spec.slo,
      series: [],
    };
    for (const r of rows.slice(0, 6)) {
      const points = await ctx.store.rollups.series(r.check, res, from, to);
      chart.series.push({
        name: r.check,
        points: points.map((p) => ({ t: p.bucket, v: p.runs ? p.up / p.runs : null })),
      });
    }
    const below = findings.filter((f) => f.status !== 'ok').length;
    return {
      status: below ? 'attention' : 'ok',
      summary: below
        ? `${below} of ${names.length} checks below the SLO of ${fmtPct(spec.slo)}`
        : `every check met the SLO of ${fmtPct(spec.slo)}`,
      findings,
      charts: [chart],
    };
  },
};

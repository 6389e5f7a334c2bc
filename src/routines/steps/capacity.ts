import { z } from 'zod';
import { ratio } from '../../checks/verdict.js';
import { duration } from '../../config/types.js';
import { linearRegression } from '../../metrics/promql/rate.js';
import type { Finding } from '../types.js';
import { day, fmtPct, options, type StepKind } from './types.js';

const seriesSchema = z.strictObject({
  /** a ratio 0..1 series such as disk_usage */
  metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a metric name'),
  /** the value that means full */
  limit: ratio.default(1),
  /** the word for reaching the limit */
  word: z.string().default('full'),
});

const schema = options(
  z.strictObject({
    /** how much history the trend is fitted over */
    window: duration({ min: 3_600_000 }).prefault('7d'),
    /** a forecast to reach the limit within this needs attention */
    horizon: duration({ min: 3_600_000 }).prefault('30d'),
    series: z
      .array(seriesSchema)
      .min(1)
      .default([
        { metric: 'disk_usage', limit: 1, word: 'full' },
        { metric: 'memory_usage', limit: 1, word: 'exhausted' },
        { metric: 'cpu_usage', limit: 1, word: 'saturated' },
      ]),
  }),
);

const describeLabels = (labels: Readonly<Record<string, string>>) => {
  const { __name__: name, check, ...rest } = labels;
  const inner = Object.entries(rest)
    .filter(([k]) => k !== 'service')
    .map(([k, v]) => (k === 'mount' ? v : `${k}=${v}`))
    .join(' ');
  return `${name}${inner ? ` ${inner}` : ''}${check ? ` on ${check}` : ''}`;
};

/**
 * Trend and forecast of usage ratios, fitted by least squares over the window
 * and extrapolated as PromQL's predict_linear does: "disk /var full in 12 days".
 */
export const capacity: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Capacity',
  async run(spec, ctx) {
    const findings: Finding[] = [];
    const forecasts: Record<string, number | null> = {};
    for (const s of spec.series) {
      const series = await ctx.store.queryable.select(
        [{ name: '__name__', type: '=', value: s.metric }],
        ctx.now - spec.window,
        ctx.now,
      );
      for (const one of series) {
        const points = one.points.filter((p) => !p.stale && Number.isFinite(p.v));
        if (points.length < 2 || points.at(-1)!.t - points[0]!.t < 3_600_000) continue;
        const [slope, now] = linearRegression(points, ctx.now);
        const what = describeLabels(one.labels);
        const perDay = slope * 86_400;
        const trend = `${fmtPct(now, 0)} now, ${perDay >= 0 ? '+' : ''}${(perDay * 100).toFixed(2)} points/day`;
        if (now >= s.limit) {
          forecasts[what] = 0;
          findings.push({ status: 'attention', text: `${what} ${s.word} now (${trend})` });
        } else if (slope > 0) {
          const ms = ((s.limit - now) / slope) * 1000;
          forecasts[what] = ms;
          const when = ms < 2 * day ? `${Math.round(ms / 3_600_000)} hours` : `${Math.round(ms / day)} days`;
          findings.push({
            status: ms <= spec.horizon ? 'attention' : 'ok',
            text: `${what} ${s.word} in ${when} (${trend})`,
          });
        } else {
          forecasts[what] = null;
          findings.push({ status: 'ok', text: `${what} steady or falling (${trend})` });
        }
      }
    }
    if (!findings.length)
      return {
        status: 'skipped',
        reason: 'not enough samples to fit a trend (at least an hour of data is needed)',
        summary: 'not enough samples to fit a trend',
        findings,
      };
    const soon = findings.filter((f) => f.status === 'attention');
    return {
      status: soon.length ? 'attention' : 'ok',
      summary: soon.length
        ? `${soon.length === 1 ? '1 resource reaches its' : `${soon.length} resources reach their`} limit within ${Math.round(spec.horizon / day)} days`
        : `no resource reaches its limit within ${Math.round(spec.horizon / day)} days`,
      findings,
      state: { forecasts },
    };
  },
};

import { z } from 'zod';
import { duration } from '../../config/types.js';
import type { Finding } from '../types.js';
import { day, options, type StepKind } from './types.js';

const schema = options(
  z.strictObject({
    /** certificates expiring within this need attention */
    within: duration({ min: day }).prefault('30d'),
  }),
);

/** TLS certificates the tls checks saw, and which expire soon. */
export const certificates: StepKind<z.output<typeof schema>> = {
  schema,
  title: (s) => `Certificates (expiring within ${Math.round(s.within / day)} days)`,
  async run(spec, ctx) {
    const tls = ctx.config.checks.filter((c) => c.kind === 'tls').map((c) => c.name);
    if (!tls.length)
      return {
        status: 'skipped',
        reason: 'no tls checks configured',
        summary: 'no tls checks configured',
        findings: [],
      };
    const series = await ctx.store.queryable.select(
      [{ name: '__name__', type: '=', value: 'tls_cert_not_after_timestamp_seconds' }],
      ctx.now - 7 * day,
      ctx.now,
    );
    const findings: Finding[] = [];
    for (const check of tls) {
      const s = series.find((x) => x.labels.check === check);
      const last = s?.points.filter((p) => !p.stale).at(-1);
      if (!last) {
        findings.push({ status: 'attention', text: `${check}: no certificate seen in the last 7 days` });
        continue;
      }
      const left = last.v * 1000 - ctx.now;
      const date = new Date(last.v * 1000).toISOString().slice(0, 10);
      findings.push({
        status: left <= spec.within ? 'attention' : 'ok',
        text:
          left <= 0
            ? `${check}: expired on ${date}`
            : `${check}: expires ${date}, in ${Math.floor(left / day)} days`,
      });
    }
    const soon = findings.filter((f) => f.status !== 'ok').length;
    return {
      status: soon ? 'attention' : 'ok',
      summary: soon
        ? `${soon} of ${tls.length} certificates expire within ${Math.round(spec.within / day)} days or are unknown`
        : `no certificate expires within ${Math.round(spec.within / day)} days`,
      findings,
    };
  },
};

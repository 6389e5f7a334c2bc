import { z } from 'zod';
import { incidentStats } from '../../store/incidents.js';
import type { Finding } from '../types.js';
import { fmtAge, options, type StepKind } from './types.js';

const schema = options(z.strictObject({}));

/** Incidents opened in the period, with MTTA, MTTR and the longest. */
export const incidents: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Incidents',
  async run(_spec, ctx) {
    const { from, to } = ctx.period;
    const list = await ctx.store.incidents.list({ all: true, from, to, limit: 100_000 });
    const stillOpen = await ctx.store.incidents.list({});
    if (!list.length && !stillOpen.length)
      return { status: 'ok', summary: 'no incident in the period', findings: [] };
    const s = incidentStats(list, from, to);
    const findings: Finding[] = list.map((i) => ({
      status: i.status === 'resolved' ? 'ok' : 'attention',
      text: `#${i.id} ${i.title} (${i.severity}): ${i.status}${i.resolvedAt ? ` after ${fmtAge(i.resolvedAt - i.openedAt)}` : ''}`,
    }));
    for (const i of stillOpen)
      if (!list.some((x) => x.id === i.id))
        findings.push({
          status: 'attention',
          text: `#${i.id} ${i.title}: ${i.status} since ${new Date(i.openedAt).toISOString()}`,
        });
    const parts = [`${s.count} incident${s.count === 1 ? '' : 's'}`];
    if (s.mttaMs !== null) parts.push(`MTTA ${fmtAge(s.mttaMs)}`);
    if (s.mttrMs !== null) parts.push(`MTTR ${fmtAge(s.mttrMs)}`);
    if (s.longestMs !== null) parts.push(`longest ${fmtAge(s.longestMs)}`);
    if (stillOpen.length) parts.push(`${stillOpen.length} still open`);
    return {
      status: stillOpen.length ? 'attention' : 'ok',
      summary: parts.join(', '),
      findings,
      state: {
        count: s.count,
        mttaMs: s.mttaMs,
        mttrMs: s.mttrMs,
        longestMs: s.longestMs,
        open: stillOpen.length,
      },
    };
  },
};

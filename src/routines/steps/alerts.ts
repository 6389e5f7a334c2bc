import { z } from 'zod';
import type { Finding } from '../types.js';
import { fmtAge, options, type StepKind } from './types.js';

const schema = options(
  z.strictObject({
    /** only alerts with these severities (default: all) */
    severity: z.array(z.string().min(1)).optional(),
  }),
);

/** Alerts that fired in the period: how many, which, and the longest. */
export const alerts: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Alerts',
  async run(spec, ctx) {
    const { from, to } = ctx.period;
    const transitions = (await ctx.store.alerts.history({ from: from - 30 * 86_400_000, to, limit: 100_000 }))
      .filter((t) => !spec.severity || spec.severity.includes(t.labels.severity ?? ''))
      .reverse();
    // Pair each firing with its end; an alert firing at the end of the period is still going.
    const open = new Map<string, number>();
    const episodes: { rule: string; start: number; end: number | null; severity: string }[] = [];
    for (const t of transitions) {
      if (t.to === 'firing') open.set(t.fingerprint, t.at);
      else if (t.from === 'firing') {
        const start = open.get(t.fingerprint);
        open.delete(t.fingerprint);
        if (start !== undefined && t.at >= from)
          episodes.push({ rule: t.rule, start, end: t.at, severity: t.labels.severity ?? '' });
      }
    }
    for (const [fp, start] of open) {
      const t = transitions.find((x) => x.fingerprint === fp)!;
      episodes.push({ rule: t.rule, start, end: null, severity: t.labels.severity ?? '' });
    }
    const fired = episodes.filter((e) => e.start >= from || e.end === null || e.end >= from);
    if (!fired.length) return { status: 'ok', summary: 'no alert fired in the period', findings: [] };
    const byRule = new Map<string, typeof fired>();
    for (const e of fired) byRule.set(e.rule, [...(byRule.get(e.rule) ?? []), e]);
    const findings: Finding[] = [...byRule].map(([rule, list]) => {
      const longest = Math.max(...list.map((e) => (e.end ?? to) - e.start));
      const still = list.some((e) => e.end === null);
      return {
        status: still ? 'attention' : 'ok',
        text: `${rule}${list[0]!.severity ? ` (${list[0]!.severity})` : ''}: fired ${list.length}×, longest ${fmtAge(longest)}${still ? ', still firing' : ''}`,
      };
    });
    const longest = fired.reduce((a, e) => Math.max(a, (e.end ?? to) - e.start), 0);
    const firing = fired.filter((e) => e.end === null).length;
    return {
      status: firing ? 'attention' : 'ok',
      summary: `${fired.length} alert${fired.length === 1 ? '' : 's'} fired (${byRule.size} rule${byRule.size === 1 ? '' : 's'}), longest ${fmtAge(longest)}${firing ? `; ${firing} still firing` : ''}`,
      findings,
    };
  },
};

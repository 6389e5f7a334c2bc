import { z } from 'zod';
import { when } from '../reports/words.js';
import type { Finding } from '../types.js';
import { options, type StepKind } from './types.js';

const schema = options(z.strictObject({}));

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Deploys, rollbacks and failed changes in the period, from the change records. */
export const changes: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Changes',
  async run(_spec, ctx) {
    if (!ctx.changes)
      return { status: 'skipped', reason: 'no change records', summary: 'no change records', findings: [] };
    const c = await ctx.changes.inPeriod(ctx.period.from, ctx.period.to);
    const findings: Finding[] = [
      ...c.deploys.map(
        (d): Finding => ({
          status: 'ok',
          text: `deploy ${d.title} at ${when(d.at)}${d.by ? ` by ${d.by}` : ''}`,
        }),
      ),
      ...c.rollbacks.map(
        (d): Finding => ({
          status: 'attention',
          text: `rollback ${d.title} at ${when(d.at)}${d.by ? ` by ${d.by}` : ''}`,
        }),
      ),
      ...c.failed.map(
        (d): Finding => ({
          status: 'attention',
          text: `failed change ${d.title} at ${when(d.at)}${d.reason ? `: ${d.reason}` : ''}`,
        }),
      ),
    ];
    return {
      status: c.rollbacks.length || c.failed.length ? 'attention' : 'ok',
      summary: `${count(c.deploys.length, 'deploy')}, ${count(c.rollbacks.length, 'rollback')}, ${count(c.failed.length, 'failed change')}`,
      findings,
    };
  },
};

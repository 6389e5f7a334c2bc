import { z } from 'zod';
import { nextDue } from '../../core/schedule.js';
import type { Finding } from '../types.js';
import { fmtAge, fmtMs, options, type StepKind } from './types.js';

const schema = options(
  z.strictObject({
    tasks: z.array(z.string().min(1)).optional(),
  }),
);

/** The scheduled maintenance tasks' runs in the period: last outcome and duration of each. */
export const maintenance: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Maintenance tasks',
  async run(spec, ctx) {
    const configured = new Map(ctx.config.maintenance.map((t) => [t.name, t]));
    const tasks = [...configured.keys()].filter((t) => !spec.tasks || spec.tasks.includes(t));
    if (!tasks.length)
      return {
        status: 'skipped',
        reason: 'no maintenance tasks configured',
        summary: 'no maintenance tasks configured',
        findings: [],
      };
    const findings: Finding[] = [];
    // When a daemon first scheduled each task: a slot before that was never Vigil's to run.
    const firstSeen = new Map((await ctx.store.jobs.load()).map((j) => [j.id, j.firstSeenAt]));
    for (const task of tasks) {
      const runs = await ctx.store.routines.maintenanceRuns({
        task,
        from: ctx.period.from,
        to: ctx.period.to + 1,
      });
      const last = runs[0];
      if (!last) {
        // A weekly task on a daemon two days old was never due: that is not a miss.
        const t = configured.get(task)!;
        const since = Math.max(ctx.period.from, firstSeen.get(`maintenance:${task}`) ?? ctx.now);
        const due = nextDue({ type: 'cron', expr: t.cron, timezone: t.timezone }, task, since);
        const until = Math.min(ctx.period.to, ctx.now);
        findings.push(
          due > until
            ? { status: 'ok', text: `${task}: not due yet (next ${new Date(due).toISOString()})` }
            : { status: 'attention', text: `${task}: did not run in the period` },
        );
        continue;
      }
      const failed = runs.filter((r) => r.status !== 'ok').length;
      findings.push({
        status: last.status === 'ok' ? 'ok' : 'attention',
        text: `${task}: ${last.status} ${fmtAge(ctx.now - last.startedAt)} ago in ${fmtMs(last.durationMs)}${last.status === 'ok' ? '' : `: ${last.message}`}; ${runs.length} run${runs.length === 1 ? '' : 's'}, ${failed} failed`,
      });
    }
    const bad = findings.filter((f) => f.status !== 'ok').length;
    return {
      status: bad ? 'attention' : 'ok',
      summary: bad
        ? `${bad} of ${tasks.length} maintenance tasks failed or did not run`
        : `all ${tasks.length} maintenance tasks succeeded`,
      findings,
    };
  },
};

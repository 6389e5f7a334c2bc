import { z } from 'zod';
import { duration } from '../../config/types.js';
import type { Finding } from '../types.js';
import { fmtAge, options, type StepKind } from './types.js';

const schema = options(
  z.strictObject({
    /** a newest good backup older than this needs attention */
    max_age: duration({ min: 60_000 }).prefault('26h'),
    /** a restore test that passed longer ago than this has expired (the guide: monthly) */
    restore_max_age: duration({ min: 60_000 }).prefault('35d'),
    jobs: z.array(z.string().min(1)).optional(),
  }),
);

const mib = (b: number) =>
  b >= 1 << 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`;

/** Per backup job: the last good backup, its age and size trend, and the last restore test. */
export const backups: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Backups',
  async run(spec, ctx) {
    const jobs = ctx.config.backups.jobs
      .map((j) => j.name)
      .filter((j) => !spec.jobs || spec.jobs.includes(j));
    if (!jobs.length)
      return {
        status: 'skipped',
        reason: 'no backup jobs configured',
        summary: 'no backup jobs configured',
        findings: [],
      };
    const findings: Finding[] = [];
    for (const job of jobs) {
      const good = await ctx.store.backups.list({ job, limit: 30 });
      const [lastRun] = await ctx.store.backups.list({ job, status: ['ok', 'failed'], limit: 1 });
      const restores = (await ctx.store.backups.verifications({ job, limit: 200 })).filter(
        (v) => v.level === 'restore',
      );
      const passed = restores.find((v) => v.ok);
      const newest = good[0];
      const problems: string[] = [];
      let text: string;
      if (!newest) {
        text = `${job}: no good backup`;
        problems.push('none');
      } else {
        const age = ctx.now - newest.endedAt;
        if (age > spec.max_age) problems.push('too old');
        const sizes = good
          .filter((b) => b.startedAt >= ctx.period.from && b.size !== null)
          .map((b) => b.size!);
        const trend =
          sizes.length >= 2
            ? `, size ${mib(sizes.at(-1)!)} → ${mib(sizes[0]!)} (${sizes.at(-1)! ? `${(((sizes[0]! - sizes.at(-1)!) / sizes.at(-1)!) * 100).toFixed(1)}%` : 'new'})`
            : newest.size !== null
              ? `, ${mib(newest.size)}`
              : '';
        text = `${job}: last good backup ${fmtAge(age)} ago${trend}`;
      }
      if (lastRun?.status === 'failed') {
        problems.push('last run failed');
        text += `; last run failed: ${lastRun.error ?? 'no message'}`;
      }
      if (!passed) {
        problems.push('never restore-tested');
        text += restores.length
          ? `; restore test failing: ${restores[0]!.message}`
          : '; never restore-tested';
      } else {
        const age = ctx.now - passed.at;
        if (age > spec.restore_max_age) {
          problems.push('restore test expired');
          text += `; restore test expired (last passed ${fmtAge(age)} ago)`;
        } else text += `; restore test passed ${fmtAge(age)} ago`;
        if (restores[0] && !restores[0].ok) {
          problems.push('latest restore test failed');
          text += `; latest restore test failed: ${restores[0].message}`;
        }
      }
      findings.push({ status: problems.length ? 'attention' : 'ok', text });
    }
    const bad = findings.filter((f) => f.status !== 'ok').length;
    return {
      status: bad ? 'attention' : 'ok',
      summary: bad
        ? `${bad} of ${jobs.length} backup jobs need attention`
        : `all ${jobs.length} backup jobs fresh and restore-tested`,
      findings,
    };
  },
};

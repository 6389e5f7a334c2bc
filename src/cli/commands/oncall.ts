import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil oncall who|show`: who is paged, now and in the days ahead. */
export function registerOncall(program: Command, { io, configOption, done }: CliContext): void {
  const oncall = program.command('oncall').description('on-call schedules: who is paged, now and ahead');
  oncall
    .command('who')
    .description('who is on call in each schedule, now or at --at')
    .option(...configOption)
    .option('--at <time>', 'an instant (2026-12-08T02:00:00Z) or a local time in each schedule zone')
    .option('--json', 'machine-readable output')
    .action(async (o) => done((await import('../oncall.js')).oncallWhoCommand(io, o)));
  oncall
    .command('show <schedule>')
    .description("a schedule's shifts, from now (or --from) for --days days")
    .option(...configOption)
    .option('--days <n>', 'how many days to show', '14')
    .option('--from <time>', 'an instant or a local time in the schedule zone (default: now)')
    .option('--json', 'machine-readable output')
    .action(async (schedule: string, o) =>
      done((await import('../oncall.js')).oncallShowCommand(io, schedule, o)),
    );
}

import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil jobs`: the schedule, as `systemctl list-timers` shows timers. */
export function registerJobs(program: Command, { io, configOption, done }: CliContext): void {
  program
    .command('jobs')
    .description('every scheduled job: its schedule, next run, last run and outcome')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => done(await (await import('../jobs.js')).jobsCommand(io, o)));
}

import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil report`: its commands and options; the work is in the module each action loads. */
export function registerReport(program: Command, { io, configOption, done }: CliContext): void {
  program
    .command('report')
    .description("a routine's report built now: vigil report daily|weekly|monthly")
    .argument('<routine>', 'a routine from routines:')
    .option(...configOption)
    .option(
      '--since <duration|time>',
      "period start: 7d back, or an ISO 8601 time (default: the routine's period)",
    )
    .option('--format <format>', 'markdown, html or json', 'markdown')
    .option('--json', 'same as --format json')
    .action(async (name: string, o) => {
      done(await (await import('../report.js')).reportCommand(io, name, o));
    });
}

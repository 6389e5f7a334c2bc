import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil routine`: its commands and options; the work is in the module each action loads. */
export function registerRoutine(program: Command, { io, configOption, done }: CliContext): void {
  const routine = program
    .command('routine')
    .description("the guide's routines: run, list runs, show one, sign off");
  routine
    .command('run')
    .description('run a routine now; its manual steps wait for sign-off')
    .argument('<routine>', 'a routine from routines:')
    .option(...configOption)
    .option('--format <format>', 'markdown, html or json', 'markdown')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o) => {
      done(await (await import('../routine.js')).routineRunCommand(io, name, o));
    });
  routine
    .command('runs')
    .description('runs of routines, newest first, with what waits for sign-off')
    .option(...configOption)
    .option('--routine <name>', 'one routine only')
    .option('--open', 'only runs waiting for sign-off')
    .option('--limit <n>', 'how many (default 20)')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../routine.js')).routineRunsCommand(io, o));
    });
  routine
    .command('show')
    .description("a run's steps and findings (a routine's name: its newest run)")
    .argument('<run>', 'a run id, or a routine name')
    .option(...configOption)
    .option('--format <format>', 'the whole report: markdown, html or json')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o) => {
      done(await (await import('../routine.js')).routineShowCommand(io, ref, o));
    });
  routine
    .command('signoff')
    .description('sign off a manual step of an open run')
    .argument('<run>', 'a run id, or a routine name for its newest run')
    .argument('<step>', "the step's name (or its number)")
    .option('-m, --note <text>', 'what was done or found')
    .option('--by <name>', 'who (default: $USER)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (ref: string, step: string, o) => {
      done(await (await import('../routine.js')).routineSignoffCommand(io, ref, step, o));
    });
}

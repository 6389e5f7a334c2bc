import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil validate`: its commands and options; the work is in the module each action loads. */
export function registerValidate(program: Command, { io, configOption, done }: CliContext): void {
  program
    .command('validate')
    .description('check vigil.yaml and list every problem with file:line:col')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../validate.js')).validateCommand(io, o));
    });
}

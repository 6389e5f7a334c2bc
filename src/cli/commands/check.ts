import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil check`: its commands and options; the work is in the module each action loads. */
export function registerCheck(program: Command, { io, configOption, done }: CliContext): void {
  program
    .command('check')
    .description('run checks once and print a table; exit 1 if any is critical')
    .argument('[names...]', 'checks to run (default: all)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (names: string[], o) => {
      done(await (await import('../check.js')).checkCommand(io, names, o));
    });
}

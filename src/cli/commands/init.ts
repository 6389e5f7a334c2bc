import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil init`: its commands and options; the work is in the module each action loads. */
export function registerInit(program: Command, { io, configOption, done }: CliContext): void {
  program
    .command('init')
    .description('write a starter vigil.yaml for this machine (never overwrites)')
    .option(...configOption)
    .action(async (o) => {
      done(await (await import('../init.js')).initCommand(io, o));
    });
}

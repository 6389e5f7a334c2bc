import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil alerts`: its commands and options; the work is in the module each action loads. */
export function registerAlerts(program: Command, { io, configOption, done }: CliContext): void {
  program
    .command('alerts')
    .description('list alerts that are pending or firing')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../alerts.js')).alertsCommand(io, o));
    });
}

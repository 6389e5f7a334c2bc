import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil maintenance`: its commands and options; the work is in the module each action loads. */
export function registerMaintenance(program: Command, { io, configOption, done }: CliContext): void {
  const maintenance = program.command('maintenance').description('database and cleanup tasks: run now, list');
  maintenance
    .command('run')
    .description('run maintenance tasks now (default: all); exit 1 if any fails')
    .argument('[task]', 'a task from maintenance:')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (task: string | undefined, o) => {
      done(await (await import('../maintenance.js')).maintenanceRunCommand(io, task, o));
    });
  maintenance
    .command('list')
    .description('tasks with their schedule and last run')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../maintenance.js')).maintenanceListCommand(io, o));
    });
}

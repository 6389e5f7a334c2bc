import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil incident`: its commands and options; the work is in the module each action loads. */
export function registerIncident(program: Command, { io, configOption, done }: CliContext): void {
  const incident = program.command('incident').description('incidents: list, show, ack, resolve');
  incident
    .command('list')
    .description('open and acknowledged incidents')
    .option(...configOption)
    .option('--all', 'include resolved ones')
    .option('--json', 'machine-readable output (with MTTA/MTTR over 30 days)')
    .action(async (o) => {
      done(await (await import('../incident.js')).incidentListCommand(io, o));
    });
  incident
    .command('show')
    .description('an incident and its timeline')
    .argument('<id>')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o) => {
      done(await (await import('../incident.js')).incidentShowCommand(io, id, o));
    });
  incident
    .command('ack')
    .description('acknowledge: reminders stop, new alerts still notify')
    .argument('<id>')
    .option(...configOption)
    .option('--by <name>', 'who (default: $USER)')
    .action(async (id: string, o) => {
      done(await (await import('../incident.js')).incidentAckCommand(io, id, o));
    });
  incident
    .command('resolve')
    .description('close an incident by hand')
    .argument('<id>')
    .option(...configOption)
    .option('--by <name>', 'who (default: $USER)')
    .action(async (id: string, o) => {
      done(await (await import('../incident.js')).incidentResolveCommand(io, id, o));
    });
}

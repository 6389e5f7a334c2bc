import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil silence`: its commands and options; the work is in the module each action loads. */
export function registerSilence(program: Command, { io, configOption, done }: CliContext): void {
  const silence = program.command('silence').description('mute alerts for a while: add, list, expire');
  silence
    .command('add')
    .description('silence alerts matching every matcher, e.g. alertname=DiskFull instance=~"db.*"')
    .argument('<matchers...>', 'name=value, name!=value, name=~regex, name!~regex')
    .option(...configOption)
    .option('-d, --duration <duration>', 'how long (default 1h)')
    .option('--until <time>', 'end time (ISO 8601) instead of --duration')
    .option('--start <time>', 'start later (ISO 8601)')
    .option('-m, --comment <text>', 'why (required)')
    .option('--author <name>', 'who (default: $USER)')
    .option('--json', 'machine-readable output')
    .action(async (matchers: string[], o) => {
      done(await (await import('../silence.js')).silenceAddCommand(io, matchers, o));
    });
  silence
    .command('list')
    .description('active and pending silences')
    .option(...configOption)
    .option('--all', 'include expired ones')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../silence.js')).silenceListCommand(io, o));
    });
  silence
    .command('expire')
    .description('end a silence now')
    .argument('<id>')
    .option(...configOption)
    .action(async (id: string, o) => {
      done(await (await import('../silence.js')).silenceExpireCommand(io, id, o));
    });
}

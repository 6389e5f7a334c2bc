import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil probe`: run checks from another place for a Vigil server; `vigil probe list` shows the agents. */
export function registerProbe(program: Command, { io, configOption, done, debug }: CliContext): void {
  const probe = program
    .command('probe')
    .description(
      "run a location's checks for a Vigil server (no database, no config file); `list` shows agents",
    )
    .option('--server <url>', 'the Vigil server, e.g. https://vigil.example')
    .option('--token <token>', 'a probe token (or VIGIL_PROBE_TOKEN): vigil token create … --role probe')
    .option('--location <name>', "this probe's location, as the token names it")
    .option(
      '--state-dir <dir>',
      'where results wait while the server is away (default ~/.local/state/vigil/probe-<location>)',
    )
    .option('--push <ms>', 'push results this often', '5000')
    .option('--poll <ms>', 'fetch the checks this often', '30000')
    .option('--max-buffered <n>', 'results kept on disk while the server is away', '100000')
    .action(async (o) => {
      done(await (await import('../probe.js')).probeCommand(io, { ...o, debug }));
    });
  probe
    .command('list')
    .description('the probe agents: location, version, last contact, lag, results waiting')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => done(await (await import('../probe.js')).probeListCommand(io, o)));
}

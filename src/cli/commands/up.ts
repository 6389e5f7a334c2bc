import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil up`: its commands and options; the work is in the module each action loads. */
export function registerUp(program: Command, { io, configOption, done, debug }: CliContext): void {
  program
    .command('up')
    .description('run the daemon: scheduler, store and HTTP server')
    .option(...configOption)
    .option('--listen <host:port>', 'override server.listen')
    .action(async (o) => {
      done(await (await import('../up.js')).upCommand(io, { ...o, debug }));
    });
}

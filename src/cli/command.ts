import type { Io } from './output.js';

/**
 * What a command group's file needs to register its commands: the output, the shared
 * `--config` option, and where to put the exit code its action ends with.
 *
 * @example
 *   export function registerJobs(program: Command, cli: CliContext) {
 *     program.command('jobs').option(...cli.configOption).action(async (o) => cli.done(await jobsCommand(cli.io, o)));
 *   }
 */
export interface CliContext {
  io: Io;
  configOption: readonly [string, string];
  /** `--debug`: stack traces and debug logs */
  debug: boolean;
  done(code: number): void;
}

export const configOption = [
  '-c, --config <file>',
  'config file (default: $VIGIL_CONFIG or ./vigil.yaml)',
] as const;

/** For the commands that need only the store (users, tokens): no other secret of the config. */
export const storageOption = [
  '--storage <url>',
  "the store's URL; then only it is needed, not the config's other secrets",
] as const;

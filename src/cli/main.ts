import { Command, CommanderError } from 'commander';
import { version } from '../version.js';
import { type CliContext, configOption } from './command.js';
import { commandGroups } from './commands/index.js';
import { type Io, printError } from './output.js';

export const processIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  progress: (t) => process.stdout.write(`\r${t}\u001b[K`),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
  cwd: process.cwd(),
};

/** Run the CLI; resolves to the exit code (0 ok, 1 failed check, 2 usage/config, 3 runtime). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const debug = argv.includes('--debug');
  const program = new Command('vigil')
    .description('Vigil: checks, alerts, backups, logs, changes and routines for a service in production')
    .version(version, '-V, --version')
    .option('--debug', 'show stack traces and debug logs')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showSuggestionAfterError();
  const cli: CliContext = { io, configOption, debug, done: (c) => (code = c) };
  for (const register of commandGroups) register(program, cli);

  try {
    await program.parseAsync(changeVersionFlag(argv));
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0)
        return 0;
      return 2;
    }
    return printError(io, e, debug);
  }
}

/**
 * `vigil change plan --version v1.2` is what the issue and people write, but commander also reads
 * the program's own --version after a subcommand; within `change` it means the release instead.
 */
function changeVersionFlag(argv: string[]): string[] {
  const at = argv.indexOf('change');
  if (at < 2) return argv;
  return argv.map((a, i) =>
    i > at && a === '--version'
      ? '--release'
      : i > at && a.startsWith('--version=')
        ? `--release=${a.slice(10)}`
        : a,
  );
}

import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil schema`: its commands and options; the work is in the module each action loads. */
export function registerSchema(program: Command, { io, done }: CliContext): void {
  program
    .command('schema')
    .description("print vigil.yaml's JSON Schema (for editor autocompletion)")
    .action(async () => {
      done(await (await import('../schema.js')).schemaCommand(io));
    });
}

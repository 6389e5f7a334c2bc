import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil test`: its commands and options; the work is in the module each action loads. */
export function registerTest(program: Command, { io, done }: CliContext): void {
  program
    .command('test')
    .description('unit-test rules')
    .command('rules')
    .description(
      "run promtool-format rule unit tests (rule files may be Prometheus files or vigil.yaml's alerts)",
    )
    .argument('<files...>', 'test files')
    .option('--json', 'machine-readable output')
    .action(async (files: string[], o) => {
      done(await (await import('../test-rules.js')).testRulesCommand(io, files, o));
    });
}

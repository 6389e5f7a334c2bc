import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil baseline`: its commands and options; the work is in the module each action loads. */
export function registerBaseline(program: Command, { io, configOption, done }: CliContext): void {
  const baseline = program
    .command('baseline')
    .description('latency baselines performance steps compare against');
  baseline
    .command('set')
    .description("record each check's p50/p95 latency over a period as its baseline")
    .argument('[checks...]', 'checks (default: all that ran)')
    .option(...configOption)
    .option('--since <duration|time>', 'period start (default 7d)')
    .option('--by <name>', 'who (default: $USER)')
    .option('--json', 'machine-readable output')
    .action(async (names: string[], o) => {
      done(await (await import('../baseline.js')).baselineSetCommand(io, names, o));
    });
  baseline
    .command('list')
    .description('the stored baselines')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../baseline.js')).baselineListCommand(io, o));
    });
}

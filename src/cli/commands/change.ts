import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil change`: its commands and options; the work is in the module each action loads. */
export function registerChange(program: Command, { io, configOption, done }: CliContext): void {
  const change = program
    .command('change')
    .description(
      'change records, rollback plans and the deploy gate: plan, start, finish, rollback, list, show, gate',
    );
  change
    .command('plan')
    .description('record a planned change (announced to changes.announce)')
    .requiredOption('--title <text>', 'what changes')
    .requiredOption('--service <name>', 'the service it changes')
    .option('--release <version>', 'the version or revision going out (also: --version <version>)')
    .option('--environment <name>', 'e.g. production')
    .option('--at <time>', 'planned start (ISO 8601, default now)')
    .option('--window <name>', 'an allow window the start must fall in')
    .option(
      '--rollback <file>',
      'rollback plan (YAML/JSON): target, steps, data, verify, owner, budget, tested',
    )
    .option('--author <name>', 'who (default: $USER)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../change.js')).changePlanCommand(io, o));
    });
  change
    .command('start')
    .description('mark a planned change as started')
    .argument('<id>')
    .option('--by <name>', 'who (default: $USER)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o) => {
      done(await (await import('../change.js')).changeStartCommand(io, id, o));
    });
  change
    .command('finish')
    .description('mark a started change as finished')
    .argument('<id>')
    .option('--status <status>', 'ok, failed or rolled-back', 'ok')
    .option('--note <text>', 'what happened')
    .option('--by <name>', 'who (default: $USER)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o) => {
      done(await (await import('../change.js')).changeFinishCommand(io, id, o));
    });
  change
    .command('rollback')
    .description("run the change's rollback plan with live output; exit 1 if it fails")
    .argument('<id>')
    .option('--by <name>', 'who (default: $USER)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o) => {
      done(await (await import('../change.js')).changeRollbackCommand(io, id, o));
    });
  change
    .command('list')
    .description('changes, newest first')
    .option('--service <name>', 'one service only')
    .option('--status <list>', 'planned,in_progress,ok,failed,rolled-back')
    .option('--from <time>', 'planned, started or finished after (ISO 8601)')
    .option('--to <time>', '… and before (ISO 8601)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../change.js')).changeListCommand(io, o));
    });
  change
    .command('show')
    .description('a change, its rollback plan and its timeline')
    .argument('<id>')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o) => {
      done(await (await import('../change.js')).changeShowCommand(io, id, o));
    });
  change
    .command('gate')
    .description('may a change go out now? exit 0 allowed, 1 denied (with reasons), 2 bad input')
    .option('--service <name>', 'the service changing')
    .option('--environment <name>', 'e.g. production')
    .option('--change <id>', 'the change record (its rollback plan, service and environment)')
    .option('--at <time>', 'decide for another instant (ISO 8601); default: the server clock')
    .option('--override', 'break glass: allow despite the reasons (needs $VIGIL_TOKEN with change.override)')
    .option('--reason <text>', 'why the override (required with --override; recorded)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../change.js')).changeGateCommand(io, o));
    });
}

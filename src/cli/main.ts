import { Command, CommanderError } from 'commander';
import { version } from '../version.js';
import { type CliContext, configOption } from './command.js';
import { registerJobs } from './jobs.js';
import { registerNotifyTest } from './notify-test.js';
import { type Io, printError } from './output.js';
import { registerRestoreStore } from './restore-store.js';

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
  const cli: CliContext = { io, configOption, done: (c) => (code = c) };
  const storageOption = [
    '--storage <url>',
    "the store's URL; then only it is needed, not the config's other secrets",
  ] as const;

  program
    .command('up')
    .description('run the daemon: scheduler, store and HTTP server')
    .option(...configOption)
    .option('--listen <host:port>', 'override server.listen')
    .action(async (o) => {
      code = await (await import('./up.js')).upCommand(io, { ...o, debug });
    });
  program
    .command('check')
    .description('run checks once and print a table; exit 1 if any is critical')
    .argument('[names...]', 'checks to run (default: all)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (names: string[], o) => {
      code = await (await import('./check.js')).checkCommand(io, names, o);
    });
  program
    .command('validate')
    .description('check vigil.yaml and list every problem with file:line:col')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      code = await (await import('./validate.js')).validateCommand(io, o);
    });
  program
    .command('schema')
    .description("print vigil.yaml's JSON Schema (for editor autocompletion)")
    .action(async () => {
      code = await (await import('./schema.js')).schemaCommand(io);
    });
  program
    .command('alerts')
    .description('list alerts that are pending or firing')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      code = await (await import('./alerts.js')).alertsCommand(io, o);
    });
  program
    .command('notifications')
    .description('the notification outbox; with an id, that notification and its delivery log')
    .argument('[id]', 'a notification id')
    .option(...configOption)
    .option('--status <status>', 'pending, delivered or dead')
    .option('--channel <name>', 'one channel only')
    .option('--limit <n>', 'how many (default 50)')
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, o) => {
      code = await (await import('./notifications.js')).notificationsCommand(io, id, o);
    });
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
      code = await (await import('./silence.js')).silenceAddCommand(io, matchers, o);
    });
  silence
    .command('list')
    .description('active and pending silences')
    .option(...configOption)
    .option('--all', 'include expired ones')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      code = await (await import('./silence.js')).silenceListCommand(io, o);
    });
  silence
    .command('expire')
    .description('end a silence now')
    .argument('<id>')
    .option(...configOption)
    .action(async (id: string, o) => {
      code = await (await import('./silence.js')).silenceExpireCommand(io, id, o);
    });
  const incident = program.command('incident').description('incidents: list, show, ack, resolve');
  incident
    .command('list')
    .description('open and acknowledged incidents')
    .option(...configOption)
    .option('--all', 'include resolved ones')
    .option('--json', 'machine-readable output (with MTTA/MTTR over 30 days)')
    .action(async (o) => {
      code = await (await import('./incident.js')).incidentListCommand(io, o);
    });
  incident
    .command('show')
    .description('an incident and its timeline')
    .argument('<id>')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o) => {
      code = await (await import('./incident.js')).incidentShowCommand(io, id, o);
    });
  incident
    .command('ack')
    .description('acknowledge: reminders stop, new alerts still notify')
    .argument('<id>')
    .option(...configOption)
    .option('--by <name>', 'who (default: $USER)')
    .action(async (id: string, o) => {
      code = await (await import('./incident.js')).incidentAckCommand(io, id, o);
    });
  incident
    .command('resolve')
    .description('close an incident by hand')
    .argument('<id>')
    .option(...configOption)
    .option('--by <name>', 'who (default: $USER)')
    .action(async (id: string, o) => {
      code = await (await import('./incident.js')).incidentResolveCommand(io, id, o);
    });
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
      code = await (await import('./test-rules.js')).testRulesCommand(io, files, o);
    });
  const backup = program.command('backup').description('run, list, verify, restore and prune backups');
  backup
    .command('run')
    .description('back up a job now (default: every job)')
    .argument('[job]', 'a job from backups.jobs')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (job: string | undefined, o) => {
      code = await (await import('./backup.js')).backupRunCommand(io, job, o);
    });
  backup
    .command('list')
    .description('the backups there are, newest first, with their last verification')
    .argument('[job]', 'only this job')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (job: string | undefined, o) => {
      code = await (await import('./backup.js')).backupListCommand(io, job, o);
    });
  backup
    .command('verify')
    .description('check a backup (default: the newest of every job); exit 1 if any fails')
    .argument('[id]', 'a backup id (a unique prefix is enough)')
    .option('--level <level>', 'checksum, read or restore', 'read')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, o) => {
      code = await (await import('./backup.js')).backupVerifyCommand(io, id, o);
    });
  backup
    .command('restore')
    .description('restore a backup into a database URL, a SQLite file or a directory')
    .argument('<id>', 'a backup id (a unique prefix is enough)')
    .requiredOption('--to <target>', 'where to restore')
    .option('--force', 'overwrite a target that holds data')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o) => {
      code = await (await import('./backup.js')).backupRestoreCommand(io, id, o);
    });
  backup
    .command('prune')
    .description("delete backups no keep rule holds; --dry-run prints each backup's rule or reason")
    .argument('[job]', 'only this job')
    .option('--dry-run', 'show, delete nothing')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (job: string | undefined, o) => {
      code = await (await import('./backup.js')).backupPruneCommand(io, job, o);
    });
  backup
    .command('runbook')
    .description(
      'the restore steps for each job, from the newest backup and the last restore test that passed',
    )
    .argument('[job]', 'only this job')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (job: string | undefined, o) => {
      code = await (await import('./backup.js')).backupRunbookCommand(io, job, o);
    });
  program
    .command('init')
    .description('write a starter vigil.yaml for this machine (never overwrites)')
    .option(...configOption)
    .action(async (o) => {
      code = await (await import('./init.js')).initCommand(io, o);
    });

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
      code = await (await import('./change.js')).changePlanCommand(io, o);
    });
  change
    .command('start')
    .description('mark a planned change as started')
    .argument('<id>')
    .option('--by <name>', 'who (default: $USER)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o) => {
      code = await (await import('./change.js')).changeStartCommand(io, id, o);
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
      code = await (await import('./change.js')).changeFinishCommand(io, id, o);
    });
  change
    .command('rollback')
    .description("run the change's rollback plan with live output; exit 1 if it fails")
    .argument('<id>')
    .option('--by <name>', 'who (default: $USER)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o) => {
      code = await (await import('./change.js')).changeRollbackCommand(io, id, o);
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
      code = await (await import('./change.js')).changeListCommand(io, o);
    });
  change
    .command('show')
    .description('a change, its rollback plan and its timeline')
    .argument('<id>')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o) => {
      code = await (await import('./change.js')).changeShowCommand(io, id, o);
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
      code = await (await import('./change.js')).changeGateCommand(io, o);
    });

  const logs = program.command('logs').description('scan and rotate log files');
  logs
    .command('scan')
    .description('the morning review: error counts and the top error messages in a time window')
    .argument(
      '[paths...]',
      'log files (default: logs: in vigil.yaml); rotated siblings are found beside them',
    )
    .option(...configOption)
    .option('--since <duration|time>', 'window start: 24h back, or an ISO 8601 time', '24h')
    .option(
      '--match <text|regex>',
      'select lines by this text or regular expression instead of the level words',
    )
    .option('--levels <list>', 'levels to count: fatal,error,warn', 'fatal,error')
    .option('--top <n>', 'how many messages to list', '10')
    .option('--journal', 'read the systemd journal (journalctl) instead of files')
    .option('--unit <unit>', 'with --journal: one systemd unit, e.g. app.service')
    .option('--json', 'machine-readable output')
    .action(async (paths: string[], o) => {
      code = await (await import('./logs-scan.js')).logsScanCommand(io, paths, o);
    });
  logs
    .command('rotate')
    .description('rotate the logs under logs: in vigil.yaml that are due')
    .option(...configOption)
    .option('--dry-run', 'print what would be done and change nothing')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      code = await (await import('./logs-rotate.js')).logsRotateCommand(io, o);
    });

  const routine = program
    .command('routine')
    .description("the guide's routines: run, list runs, show one, sign off");
  routine
    .command('run')
    .description('run a routine now; its manual steps wait for sign-off')
    .argument('<routine>', 'a routine from routines:')
    .option(...configOption)
    .option('--format <format>', 'markdown, html or json', 'markdown')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o) => {
      code = await (await import('./routine.js')).routineRunCommand(io, name, o);
    });
  routine
    .command('runs')
    .description('runs of routines, newest first, with what waits for sign-off')
    .option(...configOption)
    .option('--routine <name>', 'one routine only')
    .option('--open', 'only runs waiting for sign-off')
    .option('--limit <n>', 'how many (default 20)')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      code = await (await import('./routine.js')).routineRunsCommand(io, o);
    });
  routine
    .command('show')
    .description("a run's steps and findings (a routine's name: its newest run)")
    .argument('<run>', 'a run id, or a routine name')
    .option(...configOption)
    .option('--format <format>', 'the whole report: markdown, html or json')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o) => {
      code = await (await import('./routine.js')).routineShowCommand(io, ref, o);
    });
  routine
    .command('signoff')
    .description('sign off a manual step of an open run')
    .argument('<run>', 'a run id, or a routine name for its newest run')
    .argument('<step>', "the step's name (or its number)")
    .option('-m, --note <text>', 'what was done or found')
    .option('--by <name>', 'who (default: $USER)')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (ref: string, step: string, o) => {
      code = await (await import('./routine.js')).routineSignoffCommand(io, ref, step, o);
    });
  program
    .command('report')
    .description("a routine's report built now: vigil report daily|weekly|monthly")
    .argument('<routine>', 'a routine from routines:')
    .option(...configOption)
    .option(
      '--since <duration|time>',
      "period start: 7d back, or an ISO 8601 time (default: the routine's period)",
    )
    .option('--format <format>', 'markdown, html or json', 'markdown')
    .option('--json', 'same as --format json')
    .action(async (name: string, o) => {
      code = await (await import('./report.js')).reportCommand(io, name, o);
    });
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
      code = await (await import('./baseline.js')).baselineSetCommand(io, names, o);
    });
  baseline
    .command('list')
    .description('the stored baselines')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      code = await (await import('./baseline.js')).baselineListCommand(io, o);
    });
  registerJobs(program, cli);
  const maintenance = program.command('maintenance').description('database and cleanup tasks: run now, list');
  maintenance
    .command('run')
    .description('run maintenance tasks now (default: all); exit 1 if any fails')
    .argument('[task]', 'a task from maintenance:')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (task: string | undefined, o) => {
      code = await (await import('./maintenance.js')).maintenanceRunCommand(io, task, o);
    });
  maintenance
    .command('list')
    .description('tasks with their schedule and last run')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      code = await (await import('./maintenance.js')).maintenanceListCommand(io, o);
    });

  const access = () => import('./access.js');
  const user = program.command('user').description('dashboard and API users: add, list, passwd, remove');
  user
    .command('add')
    .description('add a user; Vigil makes a password and prints it once, unless --password-stdin')
    .argument('<name>')
    .option(...configOption)
    .option(...storageOption)
    .option('--role <role>', 'viewer, operator or admin', 'viewer')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .action(async (name: string, o) => {
      code = await (await access()).userAddCommand(io, name, o);
    });
  user
    .command('list')
    .description('users with their role and last login')
    .option(...configOption)
    .option(...storageOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      code = await (await access()).userListCommand(io, o);
    });
  user
    .command('passwd')
    .description("set a user's password (a new one is made and printed once, unless --password-stdin)")
    .argument('<name>')
    .option(...configOption)
    .option(...storageOption)
    .option('--password-stdin', 'read the password from the first line of stdin')
    .action(async (name: string, o) => {
      code = await (await access()).userPasswdCommand(io, name, o);
    });
  user
    .command('remove')
    .description('remove a user and end their sessions')
    .argument('<name>')
    .option(...configOption)
    .option(...storageOption)
    .action(async (name: string, o) => {
      code = await (await access()).userRemoveCommand(io, name, o);
    });
  const token = program.command('token').description('API tokens for scripts and CI: create, list, revoke');
  token
    .command('create')
    .description('create a token; it is printed once and only its hash is kept')
    .argument('<name>', 'what it is for, e.g. github-deploy')
    .option(...configOption)
    .option(...storageOption)
    .option('--role <role>', 'viewer, operator or admin', 'viewer')
    .option('--expires <duration>', 'e.g. 90d (default: never)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o) => {
      code = await (await access()).tokenCreateCommand(io, name, o);
    });
  token
    .command('list')
    .description('live tokens with their last use (the weekly access review)')
    .option(...configOption)
    .option(...storageOption)
    .option('--all', 'include revoked and expired ones')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      code = await (await access()).tokenListCommand(io, o);
    });
  token
    .command('revoke')
    .description('revoke a token by id, or every live token with that name')
    .argument('<id-or-name>')
    .option(...configOption)
    .option(...storageOption)
    .action(async (id: string, o) => {
      code = await (await access()).tokenRevokeCommand(io, id, o);
    });
  registerNotifyTest(program, io, (c) => {
    code = c;
  });

  registerRestoreStore(program, io, (c) => {
    code = c;
  });

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

import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil logs`: its commands and options; the work is in the module each action loads. */
export function registerLogs(program: Command, { io, configOption, done }: CliContext): void {
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
    .option('--loki <url>', 'read Grafana Loki instead of files, with --query \'{app="shop"}\'')
    .option('--elasticsearch <url>', 'read Elasticsearch/OpenSearch instead of files, with --index logs-*')
    .option('--index <pattern>', 'with --elasticsearch: the index or pattern')
    .option('--query <query>', 'with --loki: a LogQL selector; with --elasticsearch: a Lucene query string')
    .option('--json', 'machine-readable output')
    .action(async (paths: string[], o) => {
      done(await (await import('../logs-scan.js')).logsScanCommand(io, paths, o));
    });
  logs
    .command('rotate')
    .description('rotate the logs under logs: in vigil.yaml that are due')
    .option(...configOption)
    .option('--dry-run', 'print what would be done and change nothing')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../logs-rotate.js')).logsRotateCommand(io, o));
    });
}

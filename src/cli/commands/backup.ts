import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil backup`: its commands and options; the work is in the module each action loads. */
export function registerBackup(program: Command, { io, configOption, done }: CliContext): void {
  const backup = program.command('backup').description('run, list, verify, restore and prune backups');
  backup
    .command('run')
    .description('back up a job now (default: every job)')
    .argument('[job]', 'a job from backups.jobs')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (job: string | undefined, o) => {
      done(await (await import('../backup.js')).backupRunCommand(io, job, o));
    });
  backup
    .command('list')
    .description('the backups there are, newest first, with their last verification')
    .argument('[job]', 'only this job')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (job: string | undefined, o) => {
      done(await (await import('../backup.js')).backupListCommand(io, job, o));
    });
  backup
    .command('verify')
    .description('check a backup (default: the newest of every job); exit 1 if any fails')
    .argument('[id]', 'a backup id (a unique prefix is enough)')
    .option('--level <level>', 'checksum, read or restore', 'read')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, o) => {
      done(await (await import('../backup.js')).backupVerifyCommand(io, id, o));
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
      done(await (await import('../backup.js')).backupRestoreCommand(io, id, o));
    });
  backup
    .command('prune')
    .description("delete backups no keep rule holds; --dry-run prints each backup's rule or reason")
    .argument('[job]', 'only this job')
    .option('--dry-run', 'show, delete nothing')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (job: string | undefined, o) => {
      done(await (await import('../backup.js')).backupPruneCommand(io, job, o));
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
      done(await (await import('../backup.js')).backupRunbookCommand(io, job, o));
    });
}

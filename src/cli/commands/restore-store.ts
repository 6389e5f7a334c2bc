import type { Command } from 'commander';
import type { CliContext } from '../command.js';
import type { Opts } from '../restore-store.js';

/** `vigil restore-store`: bring Vigil's own store back from its backup, Vigil stopped. */
export function registerRestoreStore(program: Command, { io, configOption, done }: CliContext): void {
  program
    .command('restore-store')
    .description("bring Vigil's own store back from its newest backup (Vigil stopped)")
    .option(...configOption)
    .option('--job <name>', 'the backup job to restore from (default: the one that backs up the store)')
    .option('--backup <id>', 'a backup id or prefix (default: the newest)')
    .option('--force', 'replace a store that holds data')
    .option('--json', 'machine-readable output')
    .action(async (o: Opts) => done(await (await import('../restore-store.js')).restoreStoreCommand(io, o)));
}

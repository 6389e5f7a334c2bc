import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil notifications`: its commands and options; the work is in the module each action loads. */
export function registerNotifications(program: Command, { io, configOption, done }: CliContext): void {
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
      done(await (await import('../notifications.js')).notificationsCommand(io, id, o));
    });
}

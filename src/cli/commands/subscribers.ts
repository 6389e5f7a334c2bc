import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil subscribers export|remove`: status page subscribers' personal data, on request. */
export function registerSubscribers(program: Command, { io, configOption, done }: CliContext): void {
  const subs = program
    .command('subscribers')
    .description("the status page's subscribers: export or delete their data");
  subs
    .command('export')
    .description('every subscriber with its address, as JSON')
    .option(...configOption)
    .option('--address <address>', 'only this address (a request for one person’s data)')
    .action(async (o) => done(await (await import('../subscribers.js')).subscribersExportCommand(io, o)));
  subs
    .command('remove <address-or-id>')
    .description('delete a subscriber and its address')
    .option(...configOption)
    .action(async (who: string, o) =>
      done(await (await import('../subscribers.js')).subscribersRemoveCommand(io, who, o)),
    );
}

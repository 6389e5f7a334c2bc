import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil notify test <channel>`: a test message through one channel, and the receiver's answer. */
export function registerNotify(program: Command, { io, configOption, done }: CliContext): void {
  program
    .command('notify')
    .description('notification channels: send a test message')
    .command('test')
    .description("send a test notification through a channel and print the receiver's answer")
    .argument('<channel>', 'a name under notify:')
    .option(...configOption)
    .option('--timeout <ms>', 'how long to wait for the receiver', '10000')
    .action(async (name: string, o: { config?: string; timeout: string }) => {
      done(await (await import('../notify-test.js')).notifyTestCommand(io, name, o));
    });
}

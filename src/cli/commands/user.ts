import type { Command } from 'commander';
import { type CliContext, storageOption } from '../command.js';

const access = () => import('../access.js');

/** `vigil user`: its commands and options; the work is in the module each action loads. */
export function registerUser(program: Command, { io, configOption, done }: CliContext): void {
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
      done(await (await access()).userAddCommand(io, name, o));
    });
  user
    .command('list')
    .description('users with their role and last login')
    .option(...configOption)
    .option(...storageOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await access()).userListCommand(io, o));
    });
  user
    .command('passwd')
    .description("set a user's password (a new one is made and printed once, unless --password-stdin)")
    .argument('<name>')
    .option(...configOption)
    .option(...storageOption)
    .option('--password-stdin', 'read the password from the first line of stdin')
    .action(async (name: string, o) => {
      done(await (await access()).userPasswdCommand(io, name, o));
    });
  user
    .command('remove')
    .description('remove a user and end their sessions')
    .argument('<name>')
    .option(...configOption)
    .option(...storageOption)
    .action(async (name: string, o) => {
      done(await (await access()).userRemoveCommand(io, name, o));
    });
}

import type { Command } from 'commander';
import { type CliContext, storageOption } from '../command.js';

const access = () => import('../access.js');

/** `vigil token`: its commands and options; the work is in the module each action loads. */
export function registerToken(program: Command, { io, configOption, done }: CliContext): void {
  const token = program.command('token').description('API tokens for scripts and CI: create, list, revoke');
  token
    .command('create')
    .description('create a token; it is printed once and only its hash is kept')
    .argument('<name>', 'what it is for, e.g. github-deploy')
    .option(...configOption)
    .option(...storageOption)
    .option('--role <role>', 'viewer, operator, admin, or probe (with --location)', 'viewer')
    .option('--location <name>', "a probe token's location: the only checks it may fetch and report")
    .option('--expires <duration>', 'e.g. 90d (default: never)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o) => {
      done(await (await access()).tokenCreateCommand(io, name, o));
    });
  token
    .command('list')
    .description('live tokens with their last use (the weekly access review)')
    .option(...configOption)
    .option(...storageOption)
    .option('--all', 'include revoked and expired ones')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await access()).tokenListCommand(io, o));
    });
  token
    .command('revoke')
    .description('revoke a token by id, or every live token with that name')
    .argument('<id-or-name>')
    .option(...configOption)
    .option(...storageOption)
    .action(async (id: string, o) => {
      done(await (await access()).tokenRevokeCommand(io, id, o));
    });
}

import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `vigil cluster status`: the nodes on one PostgreSQL, their shards and leases. */
export function registerCluster(program: Command, { io, configOption, done }: CliContext): void {
  const cluster = program.command('cluster').description('several nodes on one PostgreSQL');
  cluster
    .command('status')
    .description('nodes, their shards and leases, last heartbeat; exit 1 when a shard has no live holder')
    .option(...configOption)
    .option('--json', 'machine-readable output')
    .action(async (o) => done(await (await import('../cluster.js')).clusterStatusCommand(io, o)));
}

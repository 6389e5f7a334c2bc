import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/**
 * The reviews' facts on demand: `vigil audit`, `vigil advisories update` and `vigil eol update`;
 * the work is in the module each action loads.
 */
export function registerReviews(program: Command, { io, done }: CliContext): void {
  program
    .command('audit')
    .description('known vulnerabilities in the lockfiles under the paths, from the OSV exports on disk')
    .argument('[paths...]', 'lockfiles, or folders searched for them (default: .)')
    .option('--advisories <dir>', 'the folder of OSV exports, <ecosystem>/all.zip', 'advisories')
    .option('--format <format>', 'table, json or sarif (SARIF 2.1.0, for GitHub code scanning)', 'table')
    .option(
      '--fail-on <severity>',
      'exit 1 when a finding is at or above: unknown (any), low, medium, high, critical',
      'unknown',
    )
    .option('--max-age <duration>', 'warn when the advisory data is older than this', '7d')
    .action(async (paths: string[], o) => {
      done(await (await import('../audit.js')).auditCommand(io, paths, o));
    });
  program
    .command('advisories')
    .description('the OSV advisory data `vigil audit` and the vulnerabilities step read')
    .command('update')
    .description('download the OSV exports (<ecosystem>/all.zip) for the ecosystems Vigil reads')
    .option('--dir <dir>', 'where to keep them', 'advisories')
    .option('--ecosystems <list>', 'comma-separated: npm,PyPI,Go,crates.io,RubyGems,Packagist (default: all)')
    .option('--url <base>', "the export mirror to download from (default: OSV's public bucket)")
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      done(await (await import('../audit.js')).advisoriesUpdateCommand(io, o));
    });
  program
    .command('eol')
    .description('the end-of-life dates the end-of-life step reads')
    .command('update')
    .description('download the endoflife.date API files (<product>.json) of the products named')
    .requiredOption('--products <list>', 'comma-separated endoflife.date names: nodejs,postgresql,nginx')
    .option('--dir <dir>', 'where to keep them', 'eol')
    .option('--url <base>', 'the endoflife.date mirror to download from')
    .action(async (o) => {
      done(await (await import('../audit.js')).eolUpdateCommand(io, o));
    });
}

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPromqlTest, type ScriptResult } from './promqltest.js';

/**
 * Runs Prometheus's promqltest files against Vigil's evaluator and prints, per
 * file, how many eval blocks pass, fail and are unsupported.
 *
 *   node dist/metrics/promql/conformance-cli.js [--verbose] [file.test …]
 *
 * Without files it runs every .test file in shared/conformance/prometheus-v3.14.0/promqltest/
 * beside the repository. Exits 1 when any block fails.
 */

const suite = 'shared/conformance/prometheus-v3.14.0/promqltest';

/**
 * Beside the repository: found from this module (src/ and dist/ both sit three
 * levels below the repository root), else from the working directory.
 */
export const defaultConformanceDir =
  [fileURLToPath(new URL(`../../../../${suite}`, import.meta.url)), resolve('..', suite)].find((d) =>
    existsSync(d),
  ) ?? resolve('..', suite);

export async function conformanceFiles(dir = defaultConformanceDir): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.test')).sort();
  return names.map((n) => join(dir, n));
}

export async function runConformanceFile(path: string): Promise<ScriptResult> {
  return runPromqlTest(await readFile(path, 'utf8'));
}

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const args = argv.filter((a) => !a.startsWith('-'));
  if (args.length === 0 && !existsSync(defaultConformanceDir)) {
    process.stderr.write(`no test files given and ${defaultConformanceDir} does not exist\n`);
    return 2;
  }
  const files = args.length > 0 ? args : await conformanceFiles();
  const totals = { passed: 0, failed: 0, unsupported: 0 };
  const out: string[] = [
    `${'file'.padEnd(24)} ${pad('passed', 7)} ${pad('failed', 7)} ${pad('unsupp.', 8)}  pass rate*`,
  ];
  for (const file of files) {
    let r: ScriptResult;
    try {
      r = await runConformanceFile(file);
    } catch (e) {
      // A script we cannot read (e.g. newer syntax) is reported, not fatal for the others.
      out.push(`${basename(file).padEnd(24)} could not run: ${e instanceof Error ? e.message : String(e)}`);
      totals.failed++;
      continue;
    }
    totals.passed += r.passed;
    totals.failed += r.failed;
    totals.unsupported += r.unsupported;
    out.push(
      `${basename(file).padEnd(24)} ${pad(r.passed, 7)} ${pad(r.failed, 7)} ${pad(r.unsupported, 8)}  ${rate(r)}`,
    );
    if (verbose) {
      for (const b of r.blocks.filter((x) => x.status !== 'pass')) {
        out.push(`  ${b.status.padEnd(11)} line ${b.line}: ${b.expr}\n      ${b.message ?? ''}`);
      }
    }
  }
  out.push(
    `${'total'.padEnd(24)} ${pad(totals.passed, 7)} ${pad(totals.failed, 7)} ${pad(totals.unsupported, 8)}  ${rate(totals)}`,
  );
  out.push('* passed / (passed + failed): blocks within the supported subset');
  process.stdout.write(`${out.join('\n')}\n`);
  return totals.failed > 0 ? 1 : 0;
}

function rate(r: { passed: number; failed: number }): string {
  const n = r.passed + r.failed;
  return n === 0 ? '-' : `${((100 * r.passed) / n).toFixed(1)}%`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

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
 * Without files it runs every .test file in ../shared/conformance/prometheus-v3.14.0/promqltest/
 * (relative to the working directory). Exits 1 when any block fails.
 */

export const defaultConformanceDir = '../shared/conformance/prometheus-v3.14.0/promqltest';

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
  const files = args.length > 0 ? args : await conformanceFiles();
  const totals = { passed: 0, failed: 0, unsupported: 0 };
  const out: string[] = [
    `${'file'.padEnd(24)} ${pad('passed', 7)} ${pad('failed', 7)} ${pad('unsupp.', 8)}  pass rate*`,
  ];
  for (const file of files) {
    const r = await runConformanceFile(file);
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

import { testRulesFile } from '../alerting/test-rules.js';
import type { Io } from './output.js';

/** `vigil test rules FILE…`: promtool's unit-test files; exit 0 when all pass, 1 otherwise. */
export async function testRulesCommand(io: Io, files: string[], opts: { json?: boolean }): Promise<number> {
  const reports = [];
  for (const file of files) {
    const report = await testRulesFile(file);
    reports.push(report);
    if (opts.json) continue;
    io.out(`Unit Testing:  ${file}`);
    if (report.ok) io.out('  SUCCESS');
    else {
      io.out('  FAILED:');
      for (const e of report.errors) io.out(e.startsWith('    ') ? e : `    ${e}`);
    }
    for (const u of report.unsupported) io.out(`  UNSUPPORTED (skipped): ${u}`);
    io.out('');
  }
  if (opts.json) io.out(JSON.stringify({ ok: reports.every((r) => r.ok), files: reports }, null, 2));
  return reports.every((r) => r.ok) ? 0 : 1;
}

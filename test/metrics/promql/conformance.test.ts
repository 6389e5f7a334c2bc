import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { conformanceFiles, runConformanceFile } from '../../../src/metrics/promql/conformance-cli.js';

// Prometheus v3.14.0's own PromQL test scripts, shared beside the repository (see CONFORMANCE.md).
const dir = fileURLToPath(
  new URL('../../../../shared/conformance/prometheus-v3.14.0/promqltest', import.meta.url),
);

/**
 * Per file: the passed blocks we have reached (a floor, so regressions show)
 * and how many blocks we may refuse as unsupported (a ceiling, so nothing
 * passes the rate by being refused instead of answered).
 */
const floors: Record<string, { minPassed: number; maxUnsupported: number }> = {
  'aggregators.test': { minPassed: 125, maxUnsupported: 35 },
  'at_modifier.test': { minPassed: 71, maxUnsupported: 0 },
  'functions.test': { minPassed: 317, maxUnsupported: 114 },
  'literals.test': { minPassed: 25, maxUnsupported: 0 },
  'operators.test': { minPassed: 141, maxUnsupported: 72 },
  'range_queries.test': { minPassed: 17, maxUnsupported: 1 },
  'staleness.test': { minPassed: 17, maxUnsupported: 0 },
};

const present = existsSync(dir);

describe.skipIf(!present)('PromQL conformance with Prometheus v3.14.0 promqltest', async () => {
  const files = present ? await conformanceFiles(dir) : [];

  it('finds the test files', () => {
    expect(files.map((f) => basename(f)).sort()).toEqual(Object.keys(floors).sort());
  });

  for (const file of files) {
    const name = basename(file);
    it(`${name}: at least 95% of supported blocks pass`, async () => {
      const r = await runConformanceFile(file);
      const failures = r.blocks.filter((b) => b.status === 'fail').map((b) => `line ${b.line}: ${b.message}`);
      const floor = floors[name] ?? { minPassed: 0, maxUnsupported: 0 };
      expect(r.passed / Math.max(1, r.passed + r.failed), failures.join('\n')).toBeGreaterThanOrEqual(0.95);
      expect(r.passed).toBeGreaterThanOrEqual(floor.minPassed);
      expect(r.unsupported).toBeLessThanOrEqual(floor.maxUnsupported);
    });
  }
});

if (!present) {
  describe('PromQL conformance', () => {
    it.skip(`skipped: ${dir} is absent (the shared conformance files sit beside the repository)`, () => {});
  });
}

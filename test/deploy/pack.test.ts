import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The package as a user gets it: `npm pack`, installed into an empty folder from the npm cache
 * (offline; --prefer-offline only for what the cache lacks), no EBADENGINE warning on this Node,
 * then the installed `vigil --version`, `vigil validate` and `vigil up` until /health answers.
 * scripts/pack-check.mjs does it (also `npm run pack:check`); better-sqlite3's addon is copied
 * from this checkout rather than compiled again (~2 min), see there. Needs a current dist/.
 */
describe('npm pack', () => {
  it('installs on Node 20 without engine warnings and runs from a clean folder', async () => {
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        ['scripts/pack-check.mjs'],
        { maxBuffer: 1 << 24, timeout: 150_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
    expect(out, out).toMatch(/no EBADENGINE warning/);
    expect(out).toMatch(/vigil --version: 0\.\d+\.\d+/);
    expect(out).toMatch(/vigil validate: ok/);
    expect(out).toMatch(/vigil up from the installed package: \/health 200/);
    expect(code, out).toBe(0);
  }, 180_000);
});

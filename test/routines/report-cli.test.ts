import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/store.js';
import { captureIo } from '../cli/io.js';
import { generateHistory } from '../fixtures/routines-history.js';

/**
 * `vigil report weekly` on the example config over generated history: what a
 * team lead reads on Monday morning. VIGIL_REPORT_OUT=<file> keeps the output.
 */
describe('vigil report weekly on the example config', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-report-'));
  const env = {
    VIGIL_STORAGE: `sqlite:${path.join(dir, 'vigil.db')}`,
    VULN_SCAN: "echo 'found 0 vulnerabilities'",
  };
  const config = path.resolve('examples/routines.yaml');
  beforeAll(async () => {
    const store = await openStore(env.VIGIL_STORAGE);
    await generateHistory(store, Date.now());
    await store.close();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // the updates step asks the real apt-get, twice: seconds each on a busy machine
  it('prints the week: what needs a look first, then each section with its numbers', {
    timeout: 90_000,
  }, async () => {
    const c = captureIo(dir, env);
    expect(await main(['node', 'vigil', 'report', 'weekly', '--config', config], c.io)).toBe(0);
    const out = c.stdout();
    if (process.env.VIGIL_REPORT_OUT) writeFileSync(process.env.VIGIL_REPORT_OUT, out);
    // The reviews' steps get no fixture data here (no lockfile, advisory or billing export beside
    // the example), so they fail and say why; test/routines/reviews-weekly.test.ts gives them theirs.
    expect(out).toMatch(/^# Vigil weekly report, .* UTC – .* UTC: failed/);
    expect(out).toMatch(/- Vulnerabilities: scan incomplete: \.: no lockfile found in this folder/);
    expect(out).toMatch(/- Costs: .*1 billing export not read: billing: no such file or folder/);
    expect(out).toContain('**Needs a look**');
    expect(out).toContain('- Capacity: 1 resource reaches its limit within 30 days');
    expect(out).toContain('disk_usage /var on host full in 12 days');
    // Rollups are hourly at a week's edges: the counts shift with the minute the test runs at.
    expect(out).toMatch(/vigil-port: 98\.\d{3}% \(\d+\/\d+ runs up\), below the SLO/);
    expect(out).toContain('— regression');
    expect(out).toContain('restore test expired (last passed 40 days ago)');
    expect(out).toContain(
      'token old-backup-script (bob, operator): last used 95 days ago — unused for over 90 days',
    );
    expect(out).toContain("## ✅ vulnerability-scan (echo 'found 0 vulnerabilities') — OK");
    expect(out).toContain('## ⚠️ Changes — NEEDS ATTENTION\n\n1 deploy, 1 rollback, 0 failed changes');
    expect(out).toMatch(/rollback vigil 2\.5\.0: release 2\.5 at .* by alice/);
    expect(out).toContain('- [ ] npm outdated');

    const json = captureIo(dir, env);
    expect(
      await main(
        ['node', 'vigil', 'report', 'weekly', '--config', config, '--json', '--since', '1d'],
        json.io,
      ),
    ).toBe(0);
    const r = JSON.parse(json.stdout());
    expect(r.period.to - r.period.from).toBe(86_400_000);
    expect(r.status).toBe('on-demand');
  });

  it('names the routines there are when asked for one that is not', async () => {
    const c = captureIo(dir, env);
    expect(await main(['node', 'vigil', 'report', 'weekyl', '--config', config], c.io)).toBe(2);
    expect(c.stderr()).toBe(
      `vigil: no routine named "weekyl" [ROUTINE_NOT_FOUND]\n  hint: routines in ${config}: daily, weekly, monthly`,
    );
  });
});

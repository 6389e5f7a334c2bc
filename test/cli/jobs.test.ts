import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { jobView } from '../../src/scheduler/job-view.js';
import { plannedJobs } from '../../src/services/schedule.js';
import { loadSetup } from '../../src/services/setup.js';
import { openStore } from '../../src/store/store.js';
import { captureIo } from './io.js';

const example = fileURLToPath(new URL('../../examples/routines.yaml', import.meta.url));

describe('vigil jobs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-jobs-'));
  const env = { VIGIL_STORAGE: `sqlite:${path.join(dir, 'vigil.db')}`, VIGIL_BACKUPS: path.join(dir, 'b') };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every job of examples/routines.yaml with its next run in its time zone', async () => {
    const setup = loadSetup(example, env);
    const store = await openStore(env.VIGIL_STORAGE);
    try {
      // Saturday 5 December 2026, 18:00 UTC
      const views = (await plannedJobs(setup, store, Date.parse('2026-12-05T18:00:00Z'))).map(jobView);
      const next = Object.fromEntries(
        views.map((j) => [j.id, [j.kind, j.schedule, j.timezone, j.if_missed, j.next_run_at]]),
      );
      expect(next).toMatchObject({
        'backup:vigil-db': ['backup', '0 2 * * *', 'UTC', 'run-once', '2026-12-06T02:00:00.000Z'],
        'verify:vigil-db:read': ['verify', '0 4 * * 0', 'UTC', 'run-once', '2026-12-06T04:00:00.000Z'],
        'verify:vigil-db:restore': ['verify', '0 5 1 * *', 'UTC', 'run-once', '2027-01-01T05:00:00.000Z'],
        'maintenance:vigil-store': ['maintenance', '30 3 * * *', 'UTC', 'skip', '2026-12-06T03:30:00.000Z'],
        'maintenance:tmp-cleanup': ['maintenance', '0 4 * * 0', 'UTC', 'skip', '2026-12-06T04:00:00.000Z'],
        'routine:daily': ['routine', '0 8 * * *', 'UTC', 'run-once', '2026-12-06T08:00:00.000Z'],
        'routine:weekly': ['routine', '0 9 * * 1', 'UTC', 'run-once', '2026-12-07T09:00:00.000Z'],
        'routine:monthly': ['routine', '0 10 1 * *', 'UTC', 'run-once', '2027-01-01T10:00:00.000Z'],
        'check:vigil': ['check', 'every 15s', null, 'skip', expect.any(String)],
        'check:infra': ['check', '0 8 * * 1', 'UTC', 'skip', '2026-12-07T08:00:00.000Z'],
        'rules:alerts': ['rule-group', 'every 30s', null, 'skip', expect.any(String)],
        'retention:store': ['retention', 'every 10m', null, 'skip', expect.any(String)],
        'rotation:logs': ['rotation', 'every 5m', null, 'skip', expect.any(String)],
      });
      expect(views).toHaveLength(19);
      for (const v of views)
        expect(Date.parse(v.next_run_at!)).toBeGreaterThanOrEqual(Date.parse('2026-12-05T18:00:00Z'));
    } finally {
      await store.close();
    }
  });

  it('prints the schedule as a table and as --json', async () => {
    const { io, stdout } = captureIo(dir, env);
    expect(await main(['node', 'vigil', 'jobs', '--config', example, '--json'], io)).toBe(0);
    const { jobs } = JSON.parse(stdout()) as { jobs: { id: string }[] };
    expect(jobs.map((j) => j.id)).toContain('routine:monthly');
    const table = captureIo(dir, env);
    expect(await main(['node', 'vigil', 'jobs', '--config', example], table.io)).toBe(0);
    expect(table.stdout()).toMatch(/^JOB +KIND +SCHEDULE +NEXT RUN +IF MISSED +LAST RUN +OUTCOME +TOOK/);
    expect(table.stdout()).toMatch(/routine:monthly +routine +0 10 1 \* \* UTC +\d{4}-\d\d-01 10:00 UTC/);
  });
});

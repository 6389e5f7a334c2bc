import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { renderReport } from '../../src/routines/reports/render.js';
import { reportOf, runRoutine } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';
import { generateHistory } from '../fixtures/routines-history.js';
import { testDatabases } from '../store/databases.js';

// Monday 23 November 2026, 09:00 UTC: the weekly routine's scheduled time.
const now = Date.UTC(2026, 10, 23, 9);
const example = path.resolve('examples/routines.yaml');

for (const db of testDatabases) {
  describe(`the weekly routine over two weeks of generated history (${db.name})`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    let loaded: ReturnType<typeof parseConfig>;
    beforeAll(async () => {
      const created = await db.create();
      drop = created.drop;
      loaded = parseConfig(readFileSync(example, 'utf8'), example, { VIGIL_STORAGE: created.url });
      store = await openStore(created.url, { now: () => now });
      await generateHistory(store, now);
    }, 120_000);
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('finds the forecast, the regression, the failing SLO, the stale token and the expired restore test', async () => {
      const weekly = loaded.config.routines.find((r) => r.name === 'weekly')!;
      // The vulnerability scan needs the registry; the rest is what the store holds.
      const routine = { ...weekly, steps: weekly.steps.filter((s) => s.kind !== 'command') };
      const { run, created } = await runRoutine({ store, loaded }, routine, { now, scheduledAt: now });
      expect(created).toBe(true);
      expect(run.status).toBe('open'); // two manual steps wait
      const report = await reportOf(store, run.id, now);
      const step = (name: string) => report.steps.find((s) => s.name === name)!;
      const texts = (name: string) => step(name).findings.map((f) => f.text);

      // 0.76 + 0.02/day reaches 1.0 in 12 days: the fitted line must say so.
      expect(step('capacity').status).toBe('attention');
      expect(texts('capacity')).toContain(
        'disk_usage /var on host full in 12 days (76% now, +2.00 points/day)',
      );
      expect(texts('capacity').some((t) => t.startsWith('disk_usage / on host steady'))).toBe(true);

      expect(step('performance').status).toBe('attention');
      const vigil = texts('performance').find((t) => t.startsWith('vigil:'))!;
      expect(vigil).toContain('p95 86 ms');
      expect(vigil).toContain('previous period p95 48 ms');
      expect(vigil).toContain('baseline p95 45 ms (+91%)');
      expect(vigil).toMatch(/regression$/);

      expect(step('availability').status).toBe('attention');
      expect(texts('availability')).toContain(
        'vigil-port: 98.810% (996/1008 runs up), below the SLO: 12 failed runs against an error budget of 1.0 failed runs',
      );

      expect(step('backups').status).toBe('attention');
      expect(texts('backups')[0]).toMatch(
        /^vigil-db: last good backup 7 h ago, size .* restore test expired \(last passed 40 days ago\)$/,
      );

      expect(step('alerts').summary).toBe('3 alerts fired (2 rules), longest 12 min');
      expect(step('incidents').summary).toBe('1 incident, MTTA 4 min, MTTR 12 min, longest 12 min');
      expect(step('maintenance').status).toBe('attention');
      expect(texts('maintenance').join('\n')).toContain('tmp-cleanup: failed');
      expect(step('access').status).toBe('attention');
      expect(texts('access')).toEqual([
        'admins: alice',
        'user bob (operator): last login 120 days ago',
        'token old-backup-script (bob, operator): last used 95 days ago — unused for over 90 days, revoke it, never expires',
        'token ci-deploy (alice, operator): last used 2 h ago, never expires',
      ]);
      expect(step('changes')).toMatchObject({
        status: 'attention',
        summary: '1 deploy, 1 rollback, 0 failed changes',
      });
      expect(texts('changes').map((t) => t.replace(/ at .* by/, ' at … by'))).toEqual([
        'deploy vigil 2.4.0: release 2.4 at … by alice',
        'rollback vigil 2.5.0: release 2.5 at … by alice',
      ]);
      expect(step('certificates')).toMatchObject({ status: 'skipped', reason: 'no tls checks configured' });
      expect(step('dependency-updates').status).toBe('pending');

      const md = renderReport(report, 'markdown');
      expect(md).toContain('## ⚠️ Capacity — NEEDS ATTENTION');
      const html = renderReport(report, 'html');
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    });

    it('says so when the period holds no data, and invents no numbers', async () => {
      const weekly = loaded.config.routines.find((r) => r.name === 'weekly')!;
      const routine = {
        ...weekly,
        steps: weekly.steps.filter((s) =>
          ['availability', 'performance', 'capacity', 'alerts'].includes(s.kind),
        ),
      };
      const { run } = await runRoutine({ store, loaded }, routine, {
        now: now - 400 * 86_400_000,
        scheduledAt: now - 400 * 86_400_000,
      });
      const report = await reportOf(store, run.id, now);
      expect(report.steps.map((s) => [s.name, s.status, s.summary])).toEqual([
        ['availability', 'skipped', 'no check ran in the period'],
        ['performance', 'skipped', 'no check ran in the period'],
        ['capacity', 'skipped', 'not enough samples to fit a trend'],
        ['alerts', 'ok', 'no alert fired in the period'],
      ]);
    });
  });
}

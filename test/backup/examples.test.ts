import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRulesFile } from '../../src/alerting/test-rules.js';
import { loadConfig } from '../../src/config/loader.js';

describe("the guide's backup routine in examples/", () => {
  it('is one config block: daily backups, weekly validation, monthly restore test', () => {
    const { config } = loadConfig(path.resolve('examples/backups.yaml'), {});
    expect(config.backups.jobs.map((j) => [j.name, j.source, j.cron])).toEqual([
      ['orders-db', 'postgres', '0 2 * * *'],
      ['shop-db', 'mariadb', '15 2 * * *'],
      ['uploads', 'files', '30 2 * * *'],
    ]);
    for (const job of config.backups.jobs) {
      expect(job.verify.map((v) => v.level)).toEqual(['read', 'restore']);
      expect(job.verify[0]!.cron).toMatch(/ \* \* 0$/); // weekly, on Sundays
      expect(job.verify[1]!.cron).toMatch(/ 1 \* \*$/); // monthly, on the 1st
    }
  });

  it('alerts on no good backup in 26h and a failed or stale restore test', async () => {
    const report = await testRulesFile(path.resolve('examples/alerts/backup-alerts.test.yml'));
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
  });
});

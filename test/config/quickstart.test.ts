import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';

/** The quickstart is the guide in miniature: these are the guide's pieces, each present and loopback-only. */
describe('examples/vigil.yaml, the quickstart', () => {
  const { config } = loadConfig('examples/vigil.yaml', {});

  it('has the guide three alerts, with cpu_usage and error_rate produced by its own checks', () => {
    expect(config.alerts.map((a) => `${a.name}: ${a.condition}`)).toEqual([
      'HighCPUUsage: cpu_usage > 80%',
      'ServiceDown: up == 0',
      'HighErrorRate: error_rate > 5%',
    ]);
    expect(config.checks.map((c) => c.kind).sort()).toEqual(['host', 'http', 'log', 'tcp']);
    // error_rate comes from Vigil's own log: the file it writes is the file the log check reads.
    const logCheck = config.checks.find((c) => c.kind === 'log')!;
    expect(config.log_file).toBeDefined();
    expect((logCheck.spec as { path: string }).path).toBe(config.log_file);
  });

  it('has the daily, weekly and monthly routines', () => {
    expect(config.routines.map((r) => r.name)).toEqual(['daily', 'weekly', 'monthly']);
  });

  it('backs up its own store daily, reads it weekly and restores it monthly', () => {
    const job = config.backups.jobs[0]!;
    expect(job.source).toBe('sqlite');
    expect(`sqlite:${(job.spec as { path: string }).path}`).toBe(config.storage);
    expect(job.cron).toBe('0 2 * * *');
    expect(job.verify.map((v) => [v.level, v.cron])).toEqual([
      ['read', '0 4 * * 0'],
      ['restore', '0 5 1 * *'],
    ]);
  });

  it('rotates its own log in place', () => {
    expect(config.logs).toEqual([
      expect.objectContaining({
        path: config.log_file,
        rotate: expect.objectContaining({ mode: 'copytruncate' }),
      }),
    ]);
  });

  it('listens and probes on loopback only', () => {
    expect(config.server.listen).toMatch(/^127\.0\.0\.1:/);
    const text = readFileSync('examples/vigil.yaml', 'utf8').replace(/^\s*#.*$/gm, '');
    for (const host of text.matchAll(/(?:https?:\/\/|host: )([\w.-]+)/g)) expect(host[1]).toBe('127.0.0.1');
  });

  it('is started by the README two quickstart commands', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /## Quickstart\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block?.trim().split('\n')).toEqual([
      'npm ci && npx vigil up --config examples/vigil.yaml',
      'npm test',
    ]);
  });
});

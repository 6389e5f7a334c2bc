import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { advisoryWaiters, testDatabases } from '../store/databases.js';

/**
 * A supervisor may stop Vigil while it is still starting, or the moment it reads the daemon's
 * "Vigil is up" log line (which the daemon writes before `vigil up` returns to its caller). Until
 * the handlers were installed first, such a SIGTERM killed the process outright (no exit code,
 * nothing stopped cleanly); under load CI saw it once.
 */
describe('vigil up signalled while it starts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-early-signal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops cleanly with exit 0 once it is up', { timeout: 60_000 }, async () => {
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(config, `storage: sqlite:${path.join(dir, 'vigil.db')}\n`);
    const child = spawn(
      process.execPath,
      [path.resolve('bin/vigil.js'), 'up', '--config', config, '--listen', '127.0.0.1:0'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VIGIL_ADMIN_PASSWORD: 'early-signal-pw' } },
    );
    let output = '';
    let signalled = false;
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const look = (d: Buffer) => {
      output += d;
      // The store is open; the daemon is not up yet.
      if (!signalled && output.includes('"msg":"store ready"')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(signalled).toBe(true);
    expect(output).toMatch(/"signal":"SIGTERM","msg":"stopping"/);
    expect(output).toContain('Vigil stopped');
  });

  const postgres = testDatabases.find((d) => d.name === 'postgres');
  it.skipIf(!postgres)(
    'gives up a start-up that waits on another node, 15 s after the signal, with exit 3',
    { timeout: 90_000 },
    async () => {
      const database = await postgres!.create();
      // Another node migrating the store: it holds the migration lock, and this start waits for it.
      const other = new pg.Client({ connectionString: database.url });
      // pg_stat_activity stays as it was first read within a transaction: another client watches
      const observer = new pg.Client({ connectionString: database.url });
      await Promise.all([other.connect(), observer.connect()]);
      try {
        await other.query('begin');
        await other.query('select pg_advisory_xact_lock(3853314791062309107)');
        const config = path.join(dir, 'waits.yaml');
        writeFileSync(config, `storage: ${database.url}\n`);
        const child = spawn(
          process.execPath,
          [path.resolve('bin/vigil.js'), 'up', '--config', config, '--listen', '127.0.0.1:0'],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, VIGIL_ADMIN_PASSWORD: 'early-signal-pw' },
          },
        );
        let output = '';
        child.stdout!.on('data', (d) => {
          output += d;
        });
        child.stderr!.on('data', (d) => {
          output += d;
        });
        const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
          child.once('exit', (code, signal) => resolve({ code, signal })),
        );
        await expect.poll(() => advisoryWaiters(observer), { timeout: 30_000, interval: 50 }).toBe(1);
        const signalledAt = performance.now();
        child.kill('SIGTERM');
        expect(await exit).toEqual({ code: 3, signal: null });
        const took = performance.now() - signalledAt;
        expect(took).toBeGreaterThanOrEqual(14_000);
        expect(took).toBeLessThan(40_000);
        expect(output).toMatch(/"signal":"SIGTERM","msg":"stopping once start-up is done"/);
        expect(output).toContain('start-up did not finish in time; exiting');
        expect(output).not.toContain('Vigil is up');
      } finally {
        await Promise.all([other.end().catch(() => {}), observer.end().catch(() => {})]);
        await database.drop();
      }
    },
  );
});

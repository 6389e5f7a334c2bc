import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

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
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npx vigil up` under a supervisor: SIGTERM reaches npm, which exits without passing it on.
 * Whatever started Vigil going away must stop Vigil too, or it keeps listening, orphaned.
 */
describe('vigil up whose parent exits', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-parent-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops cleanly within seconds when the process that started it is killed', async () => {
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(config, `storage: sqlite:${path.join(dir, 'vigil.db')}\n`);
    // A shell in npm's place: it starts Vigil as its child and is killed with SIGKILL (npm's fate).
    const bin = path.resolve('bin/vigil.js');
    const shell = spawn(
      'sh',
      ['-c', `"${process.execPath}" "${bin}" up --config "${config}" --listen 127.0.0.1:0 & wait`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const collect = (d: Buffer) => {
      output += d;
    };
    shell.stdout!.on('data', collect);
    shell.stderr!.on('data', collect);
    // Vigil holds the pipes: they close when Vigil itself has exited.
    const closed = new Promise<void>((resolve) => shell.stdout!.once('close', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      const look = () => {
        const m = /Vigil is up: (http:\/\/\S+)/.exec(output);
        if (m) resolve(m[1]!);
      };
      shell.stdout!.on('data', look);
      shell.stderr!.on('data', look);
      shell.once('exit', () => reject(new Error(`exited early: ${output}`)));
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);

    shell.kill('SIGKILL');
    const started = Date.now();
    await closed;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(output).toMatch(/"signal":"parent exited","msg":"stopping"/);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  }, 30_000);
});

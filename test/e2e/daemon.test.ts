import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, authed, eventually } from './spawn.js';

/** The real daemon, started as a user starts it: `vigil up` from the built package. */
const bin = path.resolve('bin/vigil.js');
const children: ChildProcess[] = [];

function startVigil(config: string, args: string[] = []) {
  const child = spawn(process.execPath, [bin, 'up', '--config', config, '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', () => {
      const m = /Vigil is up: (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`vigil exited ${code}: ${stderr}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exit, logs: () => stdout, stderr: () => stderr };
}

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-e2e-'));

beforeAll(() => {
  writeFileSync(
    path.join(dir, 'vigil.yaml'),
    [
      `storage: sqlite:${path.join(dir, 'vigil.db')}`,
      'checks:',
      '  - name: host',
      '    host: {}',
      '    every: 1s',
      // up{} asserted on a check whose outcome does not depend on how busy the machine is
      // (the host check goes critical when a shared CI box is at full CPU).
      '  - name: self',
      '    command: { run: ["true"] }',
      '    every: 1s',
    ].join('\n'),
  );
});

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('vigil up', () => {
  it('serves /health and shows up{check} on /metrics within one interval; SIGTERM exits 0', async () => {
    const vigil = startVigil(path.join(dir, 'vigil.yaml'));
    const url = await vigil.url;
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', store: 'sqlite' });
    const metrics = await eventually(
      () => fetch(`${url}/metrics`).then((r) => r.text()),
      (t) => t.includes('up{check="self"}') && t.includes('up{check="host"}'),
      // one 1s interval when the machine is idle; generous because CI machines are shared
      10_000,
    );
    expect(metrics).toMatch(/^up\{check="self"\} 1$/m);
    expect(metrics).toMatch(/^memory_usage\{check="host"\} 0\.\d+/m);
    expect(metrics).toContain('vigil_process_resident_memory_bytes');
    vigil.child.kill('SIGTERM');
    expect(await vigil.exit).toBe(0);
    expect(vigil.logs()).toContain('Vigil stopped');
  });

  it('prints the first admin password once, and a newcomer logs in with it', async () => {
    const file = path.join(dir, 'first.yaml');
    writeFileSync(file, `storage: sqlite:${path.join(dir, 'first.db')}\n`);
    const first = startVigil(file);
    const url = await first.url;
    const m = /log in as "admin" with password (\S+)/.exec(first.stderr());
    expect(m, first.stderr()).not.toBeNull();
    expect(first.logs()).not.toContain(m![1]!);
    expect((await fetch(`${url}/api/v1/checks`)).status).toBe(401);
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'admin', password: m![1] }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${url}/api/v1/checks`, { headers: { cookie } })).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    const second = startVigil(file);
    await second.url;
    expect(second.stderr()).not.toContain('First start');
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  });

  it('refuses an invalid config on SIGHUP and keeps running the old one', async () => {
    const file = path.join(dir, 'reload.yaml');
    writeFileSync(
      file,
      `storage: sqlite:${path.join(dir, 'reload.db')}\nchecks:\n  - { name: host, host: {}, every: 1s }\n`,
    );
    const vigil = startVigil(file);
    const url = await vigil.url;
    const get = authed(await apiToken(file));
    writeFileSync(file, 'checks:\n  - { name: host, host: {}, every: 5 minutes }\n');
    vigil.child.kill('SIGHUP');
    await eventually(
      async () => vigil.logs(),
      (l) => l.includes('new configuration refused'),
      5000,
    );
    expect(vigil.logs()).toContain('5 minutes');
    const checks = (await (await get(`${url}/api/v1/checks`)).json()) as { checks: { name: string }[] };
    expect(checks.checks[0]).toMatchObject({ name: 'host', schedule: { every: '1s' } });
    // a valid change is taken
    writeFileSync(
      file,
      `storage: sqlite:${path.join(dir, 'reload.db')}\nchecks:\n  - { name: host2, host: {}, every: 2s }\n`,
    );
    vigil.child.kill('SIGHUP');
    const after = await eventually(
      () => get(`${url}/api/v1/checks`).then((r) => r.json() as Promise<{ checks: { name: string }[] }>),
      (b) => b.checks[0]?.name === 'host2',
      5000,
    );
    expect(after.checks.map((c: { name: string }) => c.name)).toEqual(['host2']);
    vigil.child.kill('SIGTERM');
    expect(await vigil.exit).toBe(0);
  });

  it('exits 3 with a clear message when the port is taken', async () => {
    const blocker = net.createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as net.AddressInfo).port;
    const vigil = startVigil(path.join(dir, 'vigil.yaml'), ['--listen', `127.0.0.1:${port}`]);
    vigil.url.catch(() => {});
    expect(await vigil.exit).toBe(3);
    expect(vigil.stderr()).toContain(
      `cannot listen on 127.0.0.1:${port}: the port is in use [SERVER_LISTEN_FAILED]`,
    );
    blocker.close();
  });

  it('exits 2 on an invalid config, listing the problem', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'checks:\n  - { name: x, tcp: { host: a, port: 1 }, cron: "every day" }\n');
    const vigil = startVigil(file);
    vigil.url.catch(() => {});
    expect(await vigil.exit).toBe(2);
    expect(vigil.stderr()).toContain('bad.yaml:2:');
    expect(vigil.stderr()).toContain('[CONFIG_INVALID]');
  });
});

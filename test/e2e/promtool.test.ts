import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, eventually, startVigil } from './spawn.js';

/**
 * Prometheus's own client, promtool (Debian's 2.42), against a real `vigil up`:
 * what a user gets pointing promtool or Grafana at Vigil.
 */
const promtool = '/usr/bin/promtool';
const missing = !existsSync(promtool);
if (missing && process.env.CI !== 'true')
  console.warn(`skipped: ${promtool} is not installed (Debian package prometheus)`);

/** A target exposing a counter and a histogram, each with HELP, and one sample with its own timestamp. */
export const exposition = (stampMs: number) =>
  [
    '# HELP demo_jobs_total Jobs the demo finished.',
    '# TYPE demo_jobs_total counter',
    'demo_jobs_total{queue="a"} 42',
    '# HELP demo_latency_seconds How long demo jobs took.',
    '# TYPE demo_latency_seconds histogram',
    'demo_latency_seconds_bucket{le="0.1"} 3',
    'demo_latency_seconds_bucket{le="1"} 5',
    'demo_latency_seconds_bucket{le="+Inf"} 6',
    'demo_latency_seconds_sum 2.5',
    'demo_latency_seconds_count 6',
    '# HELP demo_stamped_seconds A gauge written with its own timestamp.',
    '# TYPE demo_stamped_seconds gauge',
    `demo_stamped_seconds 7 ${stampMs}`,
    '',
  ].join('\n');

describe.skipIf(missing && process.env.CI !== 'true')('promtool against vigil up', () => {
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-promtool-'));
  const config = path.join(dir, 'vigil.yaml');
  // whole seconds: promtool prints the timestamp() result in %g-like form
  const stamp = Math.floor(Date.now() / 1000) * 1000 - 48_000;
  let target: http.Server;
  let url: string;
  /** promtool 2.42 has no --http.config.file: the token goes as the password of the URL */
  let authed: string;
  let token: string;

  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(promtool, args, { timeout: 15_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  beforeAll(async () => {
    target = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(exposition(stamp));
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    writeFileSync(
      config,
      [
        `storage: sqlite:${path.join(dir, 'vigil.db')}`,
        'checks:',
        '  - name: app',
        `    scrape: { url: "http://127.0.0.1:${port}/metrics", job: demo }`,
        '    every: 1s',
      ].join('\n'),
    );
    token = await apiToken(config);
    const vigil = startVigil(config, {}, children);
    url = await vigil.url;
    authed = url.replace('http://', `http://promtool:${encodeURIComponent(token)}@`);
    // a few scrapes, so a range that ends at a whole second holds samples
    await eventually(
      () =>
        fetch(`${url}/api/v1/checks/app/results`, { headers: { authorization: `Bearer ${token}` } })
          .then((r) => r.json() as Promise<{ results: unknown[] }>)
          .catch(() => ({ results: [] })),
      (b) => b.results.length >= 3,
      15_000,
    );
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await new Promise((r) => target.close(r));
  });

  it('query instant', async () => {
    const r = await run(['query', 'instant', authed, 'demo_jobs_total']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^demo_jobs_total\{check="app", instance="127\.0\.0\.1:\d+", job="demo", queue="a"\} => 42 @\[/m,
    );
  });

  it('query range', async () => {
    const now = Date.now() / 1000;
    const r = await run([
      'query',
      'range',
      `--start=${Math.floor(now - 30)}`,
      `--end=${Math.floor(now)}`,
      '--step=5s',
      authed,
      'up',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^up\{check="app"\} =>\n1 @\[/m);
  });

  it('query series', async () => {
    const r = await run(['query', 'series', '--match=demo_latency_seconds_count', authed]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(
      /^\{__name__="demo_latency_seconds_count", check="app", instance="127\.0\.0\.1:\d+", job="demo"\}$/,
    );
  });

  it('query labels', async () => {
    const r = await run(['query', 'labels', authed, 'job']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['demo']);
  });

  it('check metrics on Vigil /metrics prints no line: scraped TYPE and HELP kept, own series have HELP', async () => {
    const text = await fetch(`${url}/metrics`).then((r) => r.text());
    expect(text).toContain('# TYPE demo_jobs_total counter');
    expect(text).toContain('# TYPE demo_latency_seconds histogram');
    expect(text).toMatch(/^# HELP up /m);
    expect(text).toMatch(/^# HELP check_duration_seconds /m);
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      const child = execFile(promtool, ['check', 'metrics'], { timeout: 15_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, out: stdout + stderr }),
      );
      child.stdin!.end(text);
    });
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it("keeps the exposition's own timestamps, as Prometheus's honor_timestamps does", async () => {
    const r = await run(['query', 'instant', authed, 'timestamp(demo_stamped_seconds)']);
    expect(r.code).toBe(0);
    const seconds = Number(/=> (\S+) @/.exec(r.stdout)?.[1]);
    expect(seconds).toBe(stamp / 1000);
  });

  it('a parse error comes back in Prometheus form', async () => {
    const r = await run(['query', 'instant', authed, 'sum(up']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad_data: invalid parameter "query": 1:\d+: parse error: /);
  });
});

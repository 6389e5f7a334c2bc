import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover, starterConfig } from '../../src/cli/init.js';
import { main } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/loader.js';
import { captureIo } from './io.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-cli-'));
const run = (args: string[], env: Record<string, string> = {}) => {
  const cap = captureIo(dir, env);
  return main(['node', 'vigil', ...args], cap.io).then((code) => ({ code, ...cap }));
};

describe('vigil check', () => {
  let server: http.Server;
  let livePort: number;
  let deadPort: number;

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    livePort = (server.address() as AddressInfo).port;
    // a port that was just free: nothing listens there
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    deadPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    writeFileSync(
      path.join(dir, 'vigil.yaml'),
      [
        'checks:',
        '  - name: live',
        `    http: { url: "http://127.0.0.1:${livePort}/" }`,
        '  - name: stopped',
        `    http: { url: "http://127.0.0.1:${deadPort}/" }`,
        '    timeout: 2s',
      ].join('\n'),
    );
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('exits 1 with the stopped target critical, as JSON', async () => {
    const { code, stdout } = await run(['check', '--json']);
    expect(code).toBe(1);
    const body = JSON.parse(stdout());
    expect(body.ok).toBe(false);
    expect(body.checks).toEqual([
      expect.objectContaining({ name: 'live', status: 'ok' }),
      expect.objectContaining({
        name: 'stopped',
        status: 'critical',
        message: expect.stringContaining('ECONNREFUSED'),
      }),
    ]);
  });

  it('exits 0 for named checks that pass, and prints a table', async () => {
    const { code, stdout } = await run(['check', 'live']);
    expect(code).toBe(0);
    expect(stdout()).toMatch(/^NAME\s+KIND\s+STATUS\s+LATENCY\s+MESSAGE/);
    expect(stdout()).toMatch(/^live\s+http\s+ok\s+\d+ms\s+200 in/m);
  });

  it('exits 2 for a check that is not configured', async () => {
    const { code, stderr } = await run(['check', 'nope']);
    expect(code).toBe(2);
    expect(stderr()).toContain('no check named "nope" [CHECK_NOT_FOUND]');
    expect(stderr()).toContain('hint: configured: live, stopped');
  });
});

describe('vigil validate', () => {
  it('lists every problem with line:col and exits 2', async () => {
    const file = path.join(dir, 'broken.yaml');
    writeFileSync(
      file,
      'checks:\n  - name: a\n    tcp: { host: x, port: 1 }\n    every: 5 minutes\n  - name: b\n    htp: {}\n',
    );
    const { code, stderr } = await run(['validate', '--config', file]);
    expect(code).toBe(2);
    const lines = stderr().split('\n');
    expect(lines[0]).toMatch(/broken\.yaml:4:12: checks\[0\]\.every: "5 minutes" is not a duration/);
    expect(lines[1]).toMatch(/broken\.yaml:6:5: unknown key "htp" \(did you mean "http"\?\)/);
    expect(lines.at(-1)).toBe('2 problems found');
  });

  it('exits 2 when the file is missing, with a hint', async () => {
    const { code, stderr } = await run(['validate', '--config', 'nope.yaml']);
    expect(code).toBe(2);
    expect(stderr()).toContain('[CONFIG_NOT_FOUND]');
    expect(stderr()).toContain('vigil init');
  });

  it('validates the shipped example, with no warning', async () => {
    const { code, stdout, stderr } = await run(['validate', '--config', path.resolve('examples/vigil.yaml')]);
    expect(code).toBe(0);
    expect(stdout()).toMatch(/valid \(4 checks, 3 rules\)$/);
    expect(stderr()).toBe('');
  });

  it('warns (exit 0) about rules on series nothing produces, with a did-you-mean, also in --json', async () => {
    const file = path.join(dir, 'unproduced.yaml');
    writeFileSync(
      file,
      [
        'checks:',
        '  - { name: api, http: { url: "http://127.0.0.1:1/" } }',
        'alerts:',
        '  - { name: HighCPUUsage, condition: cpu_usgae > 0.8, duration: 5m, severity: warning }',
        '  - { name: ServiceDown, condition: up == 0, duration: 1m, severity: critical }',
        '  - { name: HighErrorRate, condition: error_rate > 5%, duration: 2m, severity: warning }',
        '  - { name: BackupLate, condition: time() - backup_last_success_timestamp_seconds > 86400 }',
        '',
      ].join('\n'),
    );
    const text = await run(['validate', '--config', file]);
    expect(text.code).toBe(0);
    expect(text.stdout()).toMatch(/valid \(1 check, 4 rules, 2 warnings\)$/);
    const lines = text.stderr().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /unproduced\.yaml:4:\d+: warning: rule "HighCPUUsage" selects cpu_usgae, .*\(did you mean cpu_usage\? \(from a host check\)\)/,
    );
    expect(lines[1]).toMatch(
      /warning: rule "HighErrorRate" selects error_rate, .*\(error_rate comes from a log check: add one/,
    );

    const json = await run(['validate', '--config', file, '--json']);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout());
    expect(body.valid).toBe(true);
    expect(body.warnings.map((w: { rule: string; metric: string }) => `${w.rule}:${w.metric}`)).toEqual([
      'HighCPUUsage:cpu_usgae',
      'HighErrorRate:error_rate',
    ]);
  });
});

describe('vigil init, schema, usage', () => {
  it('writes a valid starter config and never overwrites one', async () => {
    const file = path.join(dir, 'starter.yaml');
    expect((await run(['init', '--config', file])).code).toBe(0);
    expect(() => parseConfig(readFileSync(file, 'utf8'), file, {})).not.toThrow();
    writeFileSync(file, '# mine\n');
    const again = await run(['init', '--config', file]);
    expect(again.code).toBe(2);
    expect(again.stderr()).toContain('[CONFIG_EXISTS]');
    expect(readFileSync(file, 'utf8')).toBe('# mine\n');
  });

  it('finds listening ports, databases, log files, the Docker socket and a kubeconfig on a machine', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vigil-root-'));
    mkdirSync(path.join(root, 'proc/net'), { recursive: true });
    mkdirSync(path.join(root, 'var/log/nginx'), { recursive: true });
    mkdirSync(path.join(root, 'var/run'), { recursive: true });
    writeFileSync(
      path.join(root, 'proc/net/tcp'),
      [
        '  sl  local_address rem_address   st tx_queue rx_queue',
        '   0: 0100007F:1538 00000000:0000 0A 00000000:00000000',
        '   1: 0100007F:C350 0100007F:1538 01 00000000:00000000',
        '   2: 0100007F:0CEA 00000000:0000 0A 00000000:00000000',
        '   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000',
        // a test server on an ephemeral port (45000): not a service to watch
        '   4: 0100007F:AFC8 00000000:0000 0A 00000000:00000000',
        '   5: 0100007F:0016 00000000:0000 0A 00000000:00000000',
      ].join('\n'),
    );
    mkdirSync(path.join(root, 'proc/sys/net/ipv4'), { recursive: true });
    writeFileSync(path.join(root, 'proc/sys/net/ipv4/ip_local_port_range'), '40000\t60999\n');
    writeFileSync(path.join(root, 'var/log/nginx/error.log'), '');
    writeFileSync(path.join(root, 'var/run/docker.sock'), '');
    mkdirSync(path.join(root, 'home/ops/.kube'), { recursive: true });
    writeFileSync(path.join(root, 'home/ops/.kube/config'), '');
    const facts = discover(root, '/home/ops', {});
    expect(facts).toEqual({
      listeningPorts: [22, 3306, 5432, 8080, 45000],
      ephemeralFrom: 40000,
      logFiles: ['/var/log/nginx/error.log'],
      dockerSocket: true,
      kubeconfig: '/home/ops/.kube/config',
    });
    const text = starterConfig(facts);
    expect(text).not.toContain('port: 5432');
    const { config } = parseConfig(text, 'starter.yaml', {});
    expect(config.checks.map((c) => c.kind)).toEqual(
      expect.arrayContaining(['postgres', 'mariadb', 'docker', 'kubernetes']),
    );
    expect(discover(root, '/home/nobody', {}).kubeconfig).toBeUndefined();
    // 8080 is taken: Vigil listens on the next free port, and checks itself there
    expect(config.server.listen).toBe('127.0.0.1:8081');
    expect(text).toContain('http://127.0.0.1:8081/health');
    // long-lived ports are watched (ssh, whatever holds 8080); the ephemeral test server is not
    const tcpPorts = config.checks
      .filter((c) => c.kind === 'tcp')
      .map((c) => (c.spec as { port: number }).port);
    expect(tcpPorts).toEqual([22, 8080]);
    // the guide's three alerts, each on a series a configured check produces
    expect(config.alerts.map((a) => a.name)).toEqual(['HighCPUUsage', 'ServiceDown', 'HighErrorRate']);
    expect(config.checks.map((c) => c.kind)).toEqual(expect.arrayContaining(['host', 'log']));
    // and the guide's daily and weekly reviews over them
    expect(config.routines.map((r) => r.name)).toEqual(['daily', 'weekly']);
  });

  it('prints the JSON Schema', async () => {
    const { code, stdout } = await run(['schema']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout()).properties.checks).toBeDefined();
  });

  it('exits 2 on an unknown command or option, 0 on --version', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['check', '--nope'])).code).toBe(2);
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { slackAnswer, startReceiver } from '../notify/receiver.js';
import { apiToken, authed, eventually, startVigil } from './spawn.js';

/** A real Prometheus (Debian's 2.42) whose `alerting.alertmanagers` points at Vigil. */
const prometheusBin = '/usr/bin/prometheus';
const missing = !existsSync(prometheusBin);
if (missing && process.env.CI !== 'true')
  console.warn(`skipped: ${prometheusBin} is not installed (Debian package prometheus)`);

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe.skipIf(missing && process.env.CI !== 'true')('alerts in from a real Prometheus', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-prometheus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a firing Prometheus alert reaches Slack through Vigil, opens an incident, and resolves by endsAt', async () => {
    const slack = await startReceiver(slackAnswer);
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `
storage: sqlite:${path.join(dir, 'vigil.db')}
notify:
  - name: slack
    slack: { url: "${slack.url}/services/T0/B0/x" }
    group_wait: 0s
    group_interval: 1s
`,
    );
    const token = await apiToken(config);
    const get = authed(token);
    const vigil = startVigil(config, {}, children);
    const url = await vigil.url;

    const port = await freePort();
    writeFileSync(
      path.join(dir, 'rules.yml'),
      `groups:
  - name: demo
    rules:
      - alert: DemoDown
        expr: vector(1) > 0
        labels: { severity: critical, service: demo }
        annotations: { summary: "demo is down" }
`,
    );
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      `global: { evaluation_interval: 1s }
rule_files: [${JSON.stringify(path.join(dir, 'rules.yml'))}]
alerting:
  alertmanagers:
    - api_version: v2
      authorization: { credentials: ${JSON.stringify(token)} }
      static_configs: [ { targets: [${JSON.stringify(new URL(url).host)}] } ]
`,
    );
    const prometheus = spawn(
      prometheusBin,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'prom-data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--rules.alert.resend-delay=1s',
      ],
      { stdio: 'ignore' },
    );
    children.push(prometheus);

    // Firing: Slack hears it with Prometheus's labels and annotations.
    await slack.until(1);
    const firing = slack.accepted[0]!.body;
    expect(firing.blocks[0].text.text).toBe('[FIRING:1] DemoDown');
    expect(JSON.stringify(firing)).toContain('demo is down');
    const alerts = (await get(`${url}/api/v1/alerts`).then((r) => r.json())) as any;
    expect(alerts.data.alerts).toContainEqual(
      expect.objectContaining({
        labels: { alertname: 'DemoDown', severity: 'critical', service: 'demo' },
        state: 'firing',
      }),
    );
    const open = (await eventually(
      () => get(`${url}/api/v1/incidents`).then((r) => r.json()),
      (b: any) => b.incidents?.length === 1,
      5000,
    )) as any;
    expect(open.incidents[0]).toMatchObject({ status: 'open', severity: 'critical' });

    // Prometheus stops: its last endsAt (4 resend intervals ahead) passes and the alert resolves.
    prometheus.kill('SIGTERM');
    await slack.until(2);
    expect(slack.accepted[1]!.body.blocks[0].text.text).toBe('[RESOLVED] DemoDown');
    const closed = (await eventually(
      () => get(`${url}/api/v1/incidents?all=true`).then((r) => r.json()),
      (b: any) => b.incidents?.[0]?.status === 'resolved',
      5000,
    )) as any;
    expect(closed.incidents).toHaveLength(1);
    expect(slack.accepted).toHaveLength(2);
    await slack.close();
  }, 40_000);
});

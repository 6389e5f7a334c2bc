import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Received, slackAnswer, startReceiver } from '../notify/receiver.js';
import { apiToken, authed, startVigil } from './spawn.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** PagerDuty Events API v2 validation: 400 for an event it would refuse, 202 otherwise. */
function pagerdutyAnswer(r: Received): number {
  const b = r.body;
  if (typeof b?.routing_key !== 'string' || b.routing_key.length !== 32) return 400;
  if (!['trigger', 'acknowledge', 'resolve'].includes(b.event_action)) return 400;
  if (typeof b.dedup_key !== 'string' || b.dedup_key.length > 255) return 400;
  if (b.event_action === 'trigger') {
    const p = b.payload;
    if (!p || typeof p.summary !== 'string' || p.summary.length > 1024 || !p.source) return 400;
    if (!['critical', 'error', 'warning', 'info'].includes(p.severity)) return 400;
  }
  return 202;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A real Alertmanager where the Debian package is installed. */
const alertmanagerBin = ['prometheus-alertmanager', 'alertmanager'].find(
  (b) => spawnSync(b, ['--version']).status === 0,
);
if (!alertmanagerBin)
  console.warn(
    'alertmanager not installed (apt-get install prometheus-alertmanager): its half of the test is skipped',
  );

const secrets = {
  SLACK_URL_TOKEN: 'T0SECRET/B0SECRET/slackwebhooksecret123',
  PD_KEY: 'pdroutingkeysecret00000000000001',
  SMTP_PASSWORD: 'smtp-password-secret-42',
};

describe('a firing guide alert reaches Slack, PagerDuty, e-mail and Alertmanager', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-notify-e2e-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends trigger then resolve, and no secret shows anywhere', async () => {
    let slackCalls = 0;
    const slack = await startReceiver((r) => (++slackCalls === 1 ? 500 : slackAnswer(r)));
    const pagerduty = await startReceiver(pagerdutyAnswer);
    const mails: { from: string; to: string[]; data: string; user?: string }[] = [];
    let mailArrived = () => {};
    const smtp = new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth(auth, _session, cb) {
        if (auth.username === 'vigil' && auth.password === secrets.SMTP_PASSWORD) cb(null, { user: 'vigil' });
        else cb(new Error('bad credentials'));
      },
      onData(stream, session, cb) {
        let data = '';
        stream.on('data', (c) => {
          data += c;
        });
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data,
            user: session.user as string | undefined,
          });
          mailArrived();
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.server.address() as net.AddressInfo).port;

    let am: ChildProcess | undefined;
    let amUrl = '';
    if (alertmanagerBin) {
      const port = await freePort();
      amUrl = `http://127.0.0.1:${port}`;
      writeFileSync(path.join(dir, 'am.yml'), 'route: { receiver: none }\nreceivers: [{ name: none }]\n');
      am = spawn(
        alertmanagerBin,
        [
          `--config.file=${path.join(dir, 'am.yml')}`,
          `--storage.path=${path.join(dir, 'am-data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
        ],
        { stdio: 'ignore' },
      );
      children.push(am);
      for (;;) {
        const ok = await fetch(`${amUrl}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const upFile = path.join(dir, 'api-up');
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `
storage: sqlite:${path.join(dir, 'vigil.db')}
evaluation_interval: 1s
checks:
  - name: api
    command: { run: "test -f ${upFile} || exit 2" }
    every: 1s
alerts:
  - name: ServiceDown
    condition: up{check="api"} == 0
    severity: critical
    summary: "{{ $labels.check }} is down"
notify:
  - name: slack
    slack: { url: "${slack.url}/services/\${SLACK_URL_TOKEN}" }
    group_wait: 0s
    group_interval: 1s
  - name: pager
    pagerduty: { routing_key: "\${PD_KEY}", url: "${pagerduty.url}/v2/enqueue" }
    match: { severity: critical }
    group_wait: 0s
    group_interval: 1s
  - name: mail
    email:
      host: 127.0.0.1
      port: ${smtpPort}
      security: none
      username: vigil
      password: "\${SMTP_PASSWORD}"
      from: vigil@example.com
      to: oncall@example.com
    group_wait: 0s
    group_interval: 1s
${amUrl ? `  - name: am\n    alertmanager: { url: "${amUrl}" }\n    group_interval: 1s\n` : ''}
notifications:
  retry: { initial: 200ms, max: 2s }
`,
    );
    // The token first: made while the daemon runs, it would delay the test past the first mail.
    const get = authed(await apiToken(config, secrets));
    const mailed = new Promise<void>((r) => {
      mailArrived = () => mails.length >= 1 && r();
    });
    const vigil = startVigil(config, secrets, children);
    const url = await vigil.url;

    // Firing: each receiver hears once.
    await Promise.all([slack.until(1), pagerduty.until(1), mailed]);
    const trigger = pagerduty.accepted[0]!.body;
    expect(trigger).toMatchObject({
      routing_key: secrets.PD_KEY,
      event_action: 'trigger',
      payload: { severity: 'critical', summary: '[FIRING:1] ServiceDown' },
    });
    expect(trigger.payload.custom_details.annotations).toEqual({ summary: 'api is down' });
    expect(slack.received[0]!.path).toBe(`/services/${secrets.SLACK_URL_TOKEN}`);
    expect(slack.accepted[0]!.body.blocks[0].text.text).toBe('[FIRING:1] ServiceDown');
    expect(slack.accepted[0]!.body.blocks[1].text.text).toContain('api is down');
    expect(mails[0]).toMatchObject({ from: 'vigil@example.com', to: ['oncall@example.com'], user: 'vigil' });
    expect(mails[0]!.data).toMatch(/^Subject: \[FIRING:1\] ServiceDown$/m);
    expect(mails[0]!.data).toMatch(/Content-Type: text\/html/);

    if (amUrl) {
      for (;;) {
        const alerts = (await fetch(`${amUrl}/api/v2/alerts`).then((r) => r.json())) as any[];
        if (alerts.length) {
          expect(alerts[0].labels).toMatchObject({
            alertname: 'ServiceDown',
            check: 'api',
            severity: 'critical',
          });
          expect(alerts[0].status.state).toBe('active');
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    // Resolved: the same dedup_key closes PagerDuty's incident.
    writeFileSync(upFile, '');
    const resolvedMail = new Promise<void>((r) => {
      mailArrived = () => mails.length >= 2 && r();
    });
    await Promise.all([slack.until(2), pagerduty.until(2), resolvedMail]);
    const resolve = pagerduty.accepted[1]!.body;
    expect(resolve.event_action).toBe('resolve');
    expect(resolve.dedup_key).toBe(trigger.dedup_key);
    expect(slack.accepted[1]!.body.blocks[0].text.text).toBe('[RESOLVED] ServiceDown');
    expect(mails[1]!.data).toMatch(/^Subject: \[RESOLVED\] ServiceDown$/m);
    if (amUrl) {
      for (;;) {
        const alerts = (await fetch(`${amUrl}/api/v2/alerts?active=true`).then((r) => r.json())) as any[];
        if (!alerts.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    // The incident opened and closed by itself; its timeline names who was told.
    const incidents = (await get(`${url}/api/v1/incidents?all=true`).then((r) => r.json())) as any;
    expect(incidents.incidents).toHaveLength(1);
    expect(incidents.incidents[0]).toMatchObject({ status: 'resolved', severity: 'critical' });

    // Secrets: not in logs, API answers, metrics, or error messages.
    const notifications = (await get(`${url}/api/v1/notifications?limit=100`).then((r) => r.json())) as any;
    const failed = notifications.notifications.find((n: any) => n.channel === 'slack' && n.attempts > 1);
    expect(failed, 'the first Slack attempt failed and was retried').toBeDefined();
    const seen = [
      vigil.output(),
      JSON.stringify(notifications),
      await get(`${url}/api/v1/notifications/${failed.id}`).then((r) => r.text()),
      await fetch(`${url}/metrics`).then((r) => r.text()),
      await get(`${url}/api/v1/checks/api`).then((r) => r.text()),
      await get(`${url}/api/v1/incidents/${incidents.incidents[0].id}`).then((r) => r.text()),
    ].join('\n');
    expect(seen).toContain('answered HTTP 500');
    for (const [name, secret] of Object.entries(secrets)) expect(seen, name).not.toContain(secret);

    vigil.child.kill('SIGTERM');
    expect(await vigil.exit).toBe(0);
    await Promise.all([slack.close(), pagerduty.close(), new Promise<void>((r) => smtp.close(() => r()))]);
    am?.kill('SIGTERM');
  }, 60_000);
});

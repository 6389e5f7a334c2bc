import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { type Daemon, startDaemon } from '../../src/daemon.js';
import { startMailbox } from '../notify/receiver.js';

/** `vigil up` on a fake clock: a failing check, its rule, a route to a policy, a page by e-mail. */
describe('vigil up pages the on call through its escalation job', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-oncall-daemon-'));
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let daemon: Daemon | undefined;
  beforeAll(async () => {
    mailbox = await startMailbox();
  });
  afterAll(async () => {
    await daemon?.stop(2000);
    await mailbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a check fails at 03:00, Ana is paged with a link that acknowledges', { timeout: 60_000 }, async () => {
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: sqlite:${path.join(dir, 'vigil.db')}
checks:
  - { name: api, command: { run: "exit 2" }, every: 15s }
evaluation_interval: 15s
alerts:
  - { name: ServiceDown, condition: up == 0, duration: 0s, severity: critical }
notify:
  - name: mail
    email: { host: 127.0.0.1, port: ${mailbox.port}, security: none, from: vigil@example.com, to: ops@example.com }
route:
  receiver: mail
  routes: [{ receiver: night, match: { severity: critical }, group_wait: 0s }]
notifications: { external_url: "http://vigil.example" }
oncall:
  users: [{ name: ana, display_name: Ana, contacts: [{ channel: mail, to: ana@example.com }] }]
  schedules: [{ name: primary, layers: [{ rotation: [ana], start: 2026-11-02 }] }]
  policies: [{ name: night, steps: [{ schedule: primary, wait: 15m }] }]
`,
    );
    const clock = new FakeClock(Date.parse('2026-11-27T03:00:00Z'));
    daemon = await startDaemon({
      configPath: config,
      logger: pino({ level: 'silent' }),
      clock,
      listen: '127.0.0.1:0',
      env: { VIGIL_ADMIN_PASSWORD: 'correct horse battery staple' },
    });
    expect(daemon.jobs.list().find((j) => j.id === 'escalations')).toMatchObject({ kind: 'escalation' });
    for (let i = 0; i < 12 && !mailbox.mails.some((m) => /^To: ana@example\.com/m.test(m)); i++) {
      await clock.advance(15_000);
      await daemon.jobs.idle();
      await new Promise((r) => setTimeout(r, 50)); // a real SMTP exchange happens on the real clock
    }
    const page = mailbox.mails.find((m) => /^To: ana@example\.com/m.test(m));
    expect(page).toBeDefined();
    const token = /\/ack\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(page!.replace(/=\r?\n/g, ''))?.[1];
    const res = await daemon.app.inject({ method: 'POST', url: `/ack/${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/Incident #\d+ acknowledged/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { enqueueAnnouncement } from '../../src/notify/announce.js';
import { signOff } from '../../src/routines/runner.js';
import { RoutineScheduler } from '../../src/services/routines.js';
import { notifierHarness } from '../notify/harness.js';
import { startMailbox, startReceiver } from '../notify/receiver.js';

/** A message body as sent: quoted-printable soft breaks and escapes undone. */
const unqp = (s: string) =>
  Buffer.from(
    s
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
    'latin1',
  ).toString('utf8');

describe('the daily routine on its schedule', () => {
  const slack = startReceiver();
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let mails: string[] = [];
  beforeAll(async () => {
    mailbox = await startMailbox();
    mails = mailbox.mails;
  });
  afterAll(async () => {
    await (await slack).close();
    await mailbox.close();
  });

  it('runs at 08:00, waits for sign-off, then mails the HTML report and posts a summary with a link', async () => {
    const yaml = `
checks:
  - name: api
    tcp: { host: 127.0.0.1, port: 9 }
notify:
  - name: mail
    email: { host: 127.0.0.1, port: ${mailbox.port}, security: none, from: vigil@example.com, to: lead@example.com }
  - name: chat
    slack: { url: "${(await slack).url}/hooks/T" }
notifications: { external_url: "https://vigil.example" }
routines:
  - name: daily
    cron: "0 8 * * *"
    steps:
      - checks: "*"
      - name: disk
        command: "echo '/var 81% used'"
      - name: review-dashboards
        manual: { text: "Review the dashboards for anomalies", checklist: [error rate, latency] }
        due: 2h
    report: { to: [mail, chat], format: html }
`;
    const clock = new FakeClock(Date.UTC(2026, 10, 27, 7, 59));
    const h = await notifierHarness(yaml, 'sqlite::memory:', { clock });
    const loaded = parseConfig(yaml, 'vigil.yaml', {});
    const logs: string[] = [];
    const routines = new RoutineScheduler({
      store: h.store,
      clock,
      config: () => loaded,
      announce: async (msg) => {
        await enqueueAnnouncement(h.store, loaded.config, msg, clock.now());
      },
      log: { info: (_o, m) => logs.push(m), error: (o, m) => logs.push(`${m} ${JSON.stringify(o)}`) },
    });
    try {
      routines.start(loaded.config.routines);
      await h.advance(59_000);
      expect(await h.store.routines.listRuns()).toEqual([]);
      await h.advance(1000);
      await routines.idle();
      const [run] = await h.store.routines.listRuns();
      expect(run).toMatchObject({ id: 'daily@2026-11-27T08:00:00Z', status: 'open', deliveredAt: null });

      // Nothing is sent while the manual step waits, however long.
      await h.advance(30 * 60_000, 60_000);
      expect(mails).toHaveLength(0);
      expect((await slack).received).toHaveLength(0);

      // Signed off from the CLI (another process): the daemon finds the finished run within a minute.
      const signed = await signOff(h.store, run!.id, 'review-dashboards', {
        by: 'ana',
        note: 'all quiet',
        at: clock.now(),
      });
      expect(signed.closed).toBe(true);
      await h.advance(60_000);
      await routines.idle();
      await h.advance(5000);
      await (await slack).until(1);
      for (let i = 0; i < 50 && !mails.length; i++) await h.advance(1000);
      await h.settle();

      expect(mails).toHaveLength(1);
      const mail = unqp(mails[0]!);
      expect(mails[0]).toContain('Subject: =?UTF-8?Q?Vigil_daily_report=2C_2026-11-26_08=3A00?=');
      expect(mail).toContain('Content-Type: multipart/alternative');
      expect(mail).toContain('Content-Type: text/html');
      expect(mail).toContain('Signed off by ana at 2026-11-27 08:30 UTC: all quiet');
      expect(mail).toContain('/var 81% used');
      expect(mail).toContain('<h2 style="font-size:16px;margin:0 0 4px">Checks');

      const s = (await slack).accepted[0]!.body;
      expect(s.text).toMatch(/^Vigil daily report, 2026-11-26 08:00 UTC – 2026-11-27 08:00 UTC/);
      expect(JSON.stringify(s.blocks)).toContain(
        'https://vigil.example/api/v1/routines/runs/daily%402026-11-27T08%3A00%3A00Z/report?format=html',
      );
      expect(JSON.stringify(s.blocks)).toContain('Checks: 0 of 1 checks ok');
      expect((await h.store.routines.getRun(run!.id))!.run.deliveredAt).not.toBeNull();

      // Delivered once: later passes send nothing more.
      await h.advance(5 * 60_000, 60_000);
      expect(mails).toHaveLength(1);
      expect((await slack).received).toHaveLength(1);
    } finally {
      await routines.stop();
      await h.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueAnnouncement } from '../../src/notify/announce.js';
import { notifierHarness } from './harness.js';
import { startMailbox, startReceiver } from './receiver.js';

describe('announcements', () => {
  const slack = startReceiver();
  const hook = startReceiver();
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  beforeAll(async () => {
    mailbox = await startMailbox();
  });
  afterAll(async () => {
    await (await slack).close();
    await (await hook).close();
    await mailbox.close();
  });

  const config = async () => `
notify:
  - name: team
    slack: { url: "${(await slack).url}/hooks/T" }
  - name: hook
    webhook: { url: "${(await hook).url}/in" }
  - name: mail
    email: { host: 127.0.0.1, port: ${mailbox.port}, security: none, from: vigil@example.com, to: lead@example.com }
  - name: oncall
    pagerduty: { routing_key: abc }
`;

  it('go through the outbox to Slack, a webhook and e-mail (HTML), never to paging; once per key', async () => {
    const h = await notifierHarness(await config(), 'sqlite::memory:');
    try {
      const msg = {
        channels: ['team', 'hook', 'mail', 'oncall'],
        key: 'change:7:planned',
        kind: 'change.planned',
        title: 'Planned: orders-api 2.4.0, Thu 22:00',
        text: 'Who: ana\nRollback owner: ben',
        html: '<!doctype html><html><body><h1>Planned</h1><svg width="10" height="10"></svg></body></html>',
        link: 'http://vigil.example/changes/7',
      };
      const outcome = await enqueueAnnouncement(h.store, h.config(), msg, h.clock.now());
      expect(outcome.skipped).toEqual([
        { channel: 'oncall', reason: 'pagerduty channels carry alerts only' },
      ]);
      expect(outcome.queued.map((q) => [q.channel, q.new])).toEqual([
        ['team', true],
        ['hook', true],
        ['mail', true],
      ]);
      // the same key again (a retried CLI command) queues nothing new
      const again = await enqueueAnnouncement(h.store, h.config(), msg, h.clock.now());
      expect(again.queued.every((q) => !q.new)).toBe(true);

      // Queued by "another process": the idle workers find it on their next look.
      await h.advance(2500);
      await Promise.all([(await slack).until(1), (await hook).until(1), mailbox.until(1)]);
      await h.settle();

      const s = (await slack).accepted[0]!.body;
      expect(s.text).toBe(msg.title);
      expect(JSON.stringify(s.blocks)).toContain('Rollback owner: ben');
      expect(JSON.stringify(s.blocks)).toContain('<http://vigil.example/changes/7|Open in Vigil>');
      const w = (await hook).accepted[0]!;
      expect(w.body).toMatchObject({
        kind: 'announcement',
        type: 'change.planned',
        title: msg.title,
        link: msg.link,
      });
      expect(w.headers['idempotency-key']).toBe(w.body.idempotencyKey);
      expect(mailbox.mails).toHaveLength(1);
      expect(mailbox.mails[0]).toContain('Subject: Planned: orders-api 2.4.0');
      expect(mailbox.mails[0]).toContain('Content-Type: text/html');
      expect(mailbox.mails[0]).toContain('<svg width=3D"10"');
      expect(mailbox.mails[0]).toContain('X-Vigil-Kind: change.planned');

      const rows = await h.store.notifications.list({ limit: 10 });
      expect(rows.map((r) => r.status).sort()).toEqual(['delivered', 'delivered', 'delivered']);
      expect((await slack).received).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('refuses an unknown channel, and names the ones there are', async () => {
    const h = await notifierHarness(await config(), 'sqlite::memory:');
    try {
      await expect(
        enqueueAnnouncement(
          h.store,
          h.config(),
          { channels: ['tema'], key: 'k', kind: 'x', title: 't', text: '' },
          0,
        ),
      ).rejects.toMatchObject({ code: 'NOT_FOUND', hint: 'channels: team, hook, mail, oncall' });
    } finally {
      await h.close();
    }
  });
});

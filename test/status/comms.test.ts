import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxAnnouncer } from '../../src/changes/outbox.js';
import { planChange, startChange } from '../../src/changes/records.js';
import { type LoadedConfig, parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { Notifier } from '../../src/services/notifier.js';
import { notifierSettings } from '../../src/services/notify-settings.js';
import { noticeMaintenance } from '../../src/status/maintenance-notice.js';
import { openStore, type Store } from '../../src/store/store.js';
import { startMailbox } from '../notify/receiver.js';
import { testApp } from '../server/test-app.js';

const config = (port: number) => `
checks:
  - { name: api, tcp: { host: 127.0.0.1, port: 9 } }
notify:
  - name: mail
    email: { host: 127.0.0.1, port: ${port}, security: none, from: status@example.com, to: ops@example.com }
notifications:
  external_url: http://status.example
status_page:
  title: Example status
  groups: [{ name: Public API, checks: [api] }]
  subscribers: { email: mail, changes: true }
changes:
  maintenance:
    - { name: db-upgrade, title: Database upgrade, from: 2026-11-28T02:00, until: 2026-11-28T03:00, silence: ['check="api"'] }
`;

const to = (mail: string) => /^To: (.*)$/m.exec(mail)?.[1]?.trim();
const subject = (mail: string) => /^Subject: (.*)$/m.exec(mail)?.[1]?.trim();
const flat = (mail: string) => mail.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
const link = (mail: string, path: string) =>
  new RegExp(`http://status\\.example(/status/${path}/[A-Za-z0-9_.-]+)`).exec(flat(mail))?.[1];

describe('status page communication', () => {
  let store: Store;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let notifier: Notifier;
  let app: ReturnType<typeof testApp>;
  let loaded: LoadedConfig;
  const clock = new FakeClock(Date.parse('2026-11-27T03:00:00Z'));

  beforeAll(async () => {
    mailbox = await startMailbox();
    store = await openStore('sqlite::memory:');
    loaded = parseConfig(config(mailbox.port), 'vigil.yaml', {});
    notifier = new Notifier({
      clock,
      notifications: store.notifications,
      silences: store.silences,
      incidents: store.incidents,
      settings: () => notifierSettings(loaded),
      log: { info() {}, warn() {}, error() {} },
    });
    await notifier.start();
    app = testApp({ store, clock, config: loaded, notifier });
  });
  afterAll(async () => {
    await notifier.stop(1000);
    await store.close();
    await mailbox.close();
  });

  const delivered = async (n: number) => {
    await notifier.workers.idle();
    await mailbox.until(n);
    await notifier.workers.idle();
    expect(mailbox.mails).toHaveLength(n);
  };
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });

  it('double opt-in, updates to confirmed subscribers with one-click unsubscribe, page, feeds and summary', async () => {
    for (const email of ['ana@example.com', 'ben@example.com', 'cy@example.com'])
      expect((await post('/status/subscribe', { email })).statusCode).toBe(202);
    expect((await post('/status/subscribe', { email: 'not an address' })).statusCode).toBe(400);
    await delivered(3);
    expect(mailbox.mails.map(subject)).toEqual(Array(3).fill('Confirm your subscription to Example status'));
    // ana and ben confirm; cy never does
    for (const m of mailbox.mails.slice(0, 2)) {
      const confirm = link(m, 'confirm')!;
      expect((await app.inject({ url: confirm })).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: confirm })).statusCode).toBe(200);
    }
    expect((await post('/status/confirm/forged.x', {})).statusCode).toBe(404);

    const opened = await post('/api/v1/status/incidents', {
      title: 'API errors',
      status: 'investigating',
      impact: 'major',
      components: ['Public API'],
      body: 'We are looking into errors on the API.',
    });
    expect(opened.statusCode).toBe(201);
    expect(opened.json().subscribers_told).toBe(2);
    const id = opened.json().incident.id;
    for (const [status, body] of [
      ['identified', 'A bad deploy; rolling back.'],
      ['monitoring', 'Rolled back; watching.'],
      ['resolved', 'Errors are back to normal.'],
    ]) {
      await clock.advance(60_000);
      expect((await post(`/api/v1/status/incidents/${id}/updates`, { status, body })).statusCode).toBe(201);
    }
    await delivered(3 + 8);
    const updates = mailbox.mails.slice(3);
    expect(updates.map(to).sort()).toEqual([
      ...Array(4).fill('ana@example.com'),
      ...Array(4).fill('ben@example.com'),
    ]);
    expect(new Set(updates.map(subject))).toEqual(
      new Set([
        '[Investigating] API errors',
        '[Identified] API errors',
        '[Monitoring] API errors',
        '[Resolved] API errors',
      ]),
    );
    for (const m of updates) {
      expect(m).toMatch(/^List-Unsubscribe:\s+<http:\/\/status\.example\/status\/unsubscribe\/[^>]+>/m);
      expect(m).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    }

    const page = await app.inject({ url: '/api/v1/status' });
    const incident = page.json().incidents[0];
    expect(incident).toMatchObject({ title: 'API errors', status: 'resolved', components: ['Public API'] });
    expect(incident.updates.map((u: { status: string }) => u.status)).toEqual([
      'resolved',
      'monitoring',
      'identified',
      'investigating',
    ]);
    const atom = await app.inject({ url: '/status/feed.atom' });
    expect(atom.headers['content-type']).toMatch(/atom\+xml/);
    expect(atom.body.match(/<entry>/g)).toHaveLength(4);
    expect(atom.body).toContain('<title>[resolved] API errors</title>');
    expect((await app.inject({ url: '/status/feed.rss' })).body.match(/<item>/g)).toHaveLength(4);
    const summary = (await app.inject({ url: '/status/summary.json' })).json();
    expect(Object.keys(summary).sort()).toEqual([
      'components',
      'incidents',
      'page',
      'scheduled_maintenances',
      'status',
    ]);
    expect(summary.page).toMatchObject({ name: 'Example status', url: 'http://status.example/status' });
    expect(summary.components.map((c: { name: string; group: boolean }) => [c.name, c.group])).toEqual([
      ['Public API', true],
      ['api', false],
    ]);
    // no address on any public answer, nor in /metrics
    for (const url of [
      '/api/v1/status',
      '/status/summary.json',
      '/status/feed.atom',
      '/status/feed.rss',
      '/metrics',
    ])
      expect((await app.inject({ url })).body).not.toContain('@example.com');

    // one click: ana is deleted and gets nothing more
    const unsubscribe = link(updates.find((m) => to(m) === 'ana@example.com')!, 'unsubscribe')!;
    const oneClick = await app.inject({
      method: 'POST',
      url: unsubscribe,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode).toBe(200);
    expect((await store.status.subscribers()).map((s) => s.address).sort()).toEqual([
      'ben@example.com',
      'cy@example.com',
    ]);
    await post('/api/v1/status/incidents', { title: 'Slow pages', body: 'Looking into it.' });
    await delivered(12);
    expect(to(mailbox.mails[11]!)).toBe('ben@example.com');
  });

  it('tells the same subscribers of a planned change and its start', async () => {
    const before = mailbox.mails.length;
    const deps = {
      store,
      config: loaded.config,
      announce: outboxAnnouncer(store, loaded.config, () => clock.now()),
    };
    const c = await planChange(
      deps,
      { title: 'Upgrade the database', service: 'api', at: clock.now() + 86_400_000, createdBy: 'ana' },
      clock.now(),
    );
    await startChange(deps, c.id, 'ana', clock.now());
    notifier.workers.kick();
    await delivered(before + 2);
    const mails = mailbox.mails.slice(before);
    expect(mails.map(to)).toEqual(['ben@example.com', 'ben@example.com']);
    expect(mails.map(subject).sort()).toEqual([
      `Change #${c.id} started: Upgrade the database`,
      `Planned change #${c.id}: Upgrade the database`,
    ]);
    expect(mails[0]).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
  });

  it('tells subscribers of scheduled maintenance a day ahead, once', async () => {
    const before = mailbox.mails.length;
    const provider = () => 'email';
    // 2026-11-27T03:02: the 02:00 maintenance tomorrow is within 24 hours
    expect(await noticeMaintenance(store, loaded.config, provider, clock.now())).toBe(1);
    expect(await noticeMaintenance(store, loaded.config, provider, clock.now() + 60_000)).toBe(0);
    notifier.workers.kick();
    await delivered(before + 1);
    expect(subject(mailbox.mails[before]!)).toBe('Scheduled maintenance: Database upgrade');
    expect(to(mailbox.mails[before]!)).toBe('ben@example.com');
  });
});

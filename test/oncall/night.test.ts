import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { type ActiveAlert, fingerprint } from '../../src/core/alert-state.js';
import { FakeClock } from '../../src/core/clock.js';
import { compileOncall } from '../../src/oncall/compile.js';
import { JobRunner } from '../../src/scheduler/job-runner.js';
import { EscalationService } from '../../src/services/escalations.js';
import { Notifier } from '../../src/services/notifier.js';
import { notifierSettings } from '../../src/services/notify-settings.js';
import { openStore, type Store } from '../../src/store/store.js';
import { startMailbox } from '../notify/receiver.js';
import { testApp } from '../server/test-app.js';
import { testDatabases } from '../store/databases.js';

const T = (hhmm: string) => Date.parse(`2026-11-27T${hhmm}:00Z`);

const config = (port: number) => `
notify:
  - name: mail
    email: { host: 127.0.0.1, port: ${port}, security: none, from: vigil@example.com, to: ops@example.com }
route:
  receiver: mail
  routes:
    - { receiver: night, match: { severity: critical }, group_wait: 0s }
status_page:
  groups: [{ name: Public API, checks: [api] }]
  subscribers: { email: mail }
checks:
  - { name: api, tcp: { host: 127.0.0.1, port: 9 } }
notifications:
  external_url: http://vigil.example
  retry: { initial: 1s, max: 10s }
oncall:
  users:
    - { name: ana, display_name: Ana, contacts: [{ channel: mail, to: ana@example.com }] }
    - { name: ben, display_name: Ben, contacts: [{ channel: mail, to: ben@example.com }] }
  schedules:
    - { name: primary, layers: [{ rotation: [ana], start: 2026-11-02 }] }
    - { name: secondary, layers: [{ rotation: [ben], start: 2026-11-02 }] }
  policies:
    - name: night
      steps:
        - { schedule: primary, wait: 15m }
        - { schedule: secondary, wait: 15m }
`;

/** Vigil's notifier, escalation job and job runner on one fake clock, over a real store and a local SMTP server. */
async function night(url: string, port: number, text = config(port)) {
  const clock = new FakeClock(T('02:59'));
  const loaded = parseConfig(text, 'vigil.yaml', {});
  const store: Store = await openStore(url);
  const pool = { concurrency: 2 };
  const log = { info() {}, warn() {}, error() {} };
  /** one process of Vigil: its runner, notifier and escalation service */
  const start = async () => {
    const runner = new JobRunner({ clock, pools: { checks: pool, rules: pool, tasks: pool } });
    const notifier: Notifier = new Notifier({
      clock,
      notifications: store.notifications,
      silences: store.silences,
      incidents: store.incidents,
      settings: () => notifierSettings(loaded),
      log,
      escalate: (p, ids, m) => escalations.escalate(p, ids, m),
      random: () => 1,
    });
    const escalations: EscalationService = new EscalationService({
      runner,
      clock,
      store,
      oncall: () => compileOncall(loaded.config.oncall),
      channel: (name) => notifierSettings(loaded).notify.channels.get(name),
      externalUrl: () => loaded.config.notifications.external_url,
      kick: () => notifier.workers.kick(),
      log,
    });
    await notifier.start();
    escalations.start();
    runner.start();
    return { runner, notifier, escalations };
  };
  let v = await start();
  const alerts = new Map<string, ActiveAlert>();
  let observedAt = clock.now();
  const labels = { alertname: 'ServiceDown', check: 'api', severity: 'critical' };
  const settle = async () => {
    await v.runner.idle();
    await v.notifier.settled();
    await v.notifier.dispatcher.flushed();
    await v.notifier.workers.idle();
    await v.notifier.settled();
  };
  const stop = async () => {
    await v.runner.stop(1000);
    await v.notifier.stop(1000);
  };
  return {
    clock,
    store,
    loaded,
    get v() {
      return v;
    },
    /** the rule group reports the alert firing now */
    async fire() {
      alerts.set(fingerprint(labels), {
        labels,
        annotations: { summary: 'api is down' },
        state: 'firing',
        activeAt: clock.now(),
        firedAt: clock.now(),
        value: 1,
      });
      v.notifier.observe('g', clock.now(), alerts);
      await settle();
    },
    resolve() {
      Object.assign(alerts.get(fingerprint(labels))!, { state: 'inactive', resolvedAt: clock.now() });
    },
    /**
     * To `hhmm`, evaluating the rule group every 15 s as a rule job would. The clock moves in
     * 5 s steps with the store's work settled between them: a real clock does not jump while a
     * claim is in flight, and a claim that comes back older than the send timeout is left to
     * expire (which on a loaded machine, with 15 s jumps, happened on every step).
     */
    async until(hhmm: string) {
      await settle();
      while (clock.now() < T(hhmm)) {
        await clock.advance(Math.min(5_000, T(hhmm) - clock.now()));
        if (clock.now() - observedAt >= 15_000 || clock.now() === T(hhmm)) {
          observedAt = clock.now();
          v.notifier.observe('g', clock.now(), alerts);
        }
        await settle();
      }
    },
    /** Vigil is down from now until `hhmm`, then starts again over the same store */
    async down(hhmm: string) {
      await stop();
      await clock.suspend(T(hhmm) - clock.now());
      v = await start();
    },
    async close() {
      await stop();
      await store.close();
    },
  };
}

const recipients = (mails: string[]) => mails.map((m) => /^To: (.*)$/m.exec(m)?.[1]?.trim());
const ackLink = (mail: string) => {
  const flat = mail.replace(/=\r?\n/g, '');
  return /http:\/\/vigil\.example\/ack\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(flat)?.[1];
};

describe.each(testDatabases)('a night on call on $name', (database) => {
  let db: Awaited<ReturnType<typeof database.create>>;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let h: Awaited<ReturnType<typeof night>> | undefined;
  beforeAll(async () => {
    mailbox = await startMailbox();
  });
  afterAll(() => mailbox.close());
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await db?.drop();
    mailbox.mails.length = 0;
  });

  it('pages the first on call at 03:00, escalates at 03:15, stops at the 03:18 ack, resolves at 03:40; the status page and two subscribers are told', async () => {
    db = await database.create();
    h = await night(db.url, mailbox.port);
    await h.until('03:00');
    await h.fire();
    await h.until('03:01');
    expect(recipients(mailbox.mails)).toEqual(['ana@example.com']);
    expect(mailbox.mails[0]).toMatch(/Subject: \[incident #\d+\]/);

    await h.until('03:14');
    expect(recipients(mailbox.mails)).toEqual(['ana@example.com']);
    await h.until('03:16');
    expect(recipients(mailbox.mails)).toEqual(['ana@example.com', 'ben@example.com']);

    await h.until('03:18');
    const token = ackLink(mailbox.mails[1]!);
    expect(token).toBeDefined();
    // a link for another incident, or an altered one, acknowledges nothing
    expect(await h.v.escalations.acknowledge(`${token!.slice(0, -2)}xx`)).toBe('invalid');
    const acked = await h.v.escalations.acknowledge(token!);
    expect(acked).toMatchObject({ already: false, incident: { status: 'acknowledged', ackedBy: 'ben' } });

    // meanwhile the status page tells two subscribers (confirmed earlier) and the feed
    for (const [id, address] of [
      ['s1', 'dora@example.net'],
      ['s2', 'eve@example.net'],
    ])
      await h.store.status.subscribe({
        id: id!,
        kind: 'email',
        address: address!,
        createdAt: 0,
        confirmed: true,
      });
    const app = testApp({ store: h.store, clock: h.clock, config: h.loaded, notifier: h.v.notifier });
    const posted = await app.inject({
      method: 'POST',
      url: '/api/v1/status/incidents',
      payload: {
        title: 'API outage',
        status: 'identified',
        impact: 'major',
        components: ['Public API'],
        body: 'The API is down; we are on it.',
      },
    });
    expect(posted.json().subscribers_told).toBe(2);
    await h.until('03:40');
    h.resolve();
    await app.inject({
      method: 'POST',
      url: `/api/v1/status/incidents/${posted.json().incident.id}/updates`,
      payload: { status: 'resolved', body: 'The API is back.' },
    });
    await h.until('03:45');
    const page = (await app.inject({ url: '/api/v1/status' })).json();
    expect(
      page.incidents[0].updates.map(
        (u: { status: string; at: string }) => `${u.at.slice(11, 16)} ${u.status}`,
      ),
    ).toEqual(['03:40 resolved', '03:18 identified']);
    const told = mailbox.mails.filter((m) => /example\.net/.test(recipients([m])[0] ?? ''));
    expect(told.map((m) => recipients([m])[0]).sort()).toEqual([
      'dora@example.net',
      'dora@example.net',
      'eve@example.net',
      'eve@example.net',
    ]);
    const feed = (await app.inject({ url: '/status/feed.atom' })).body;
    expect(feed.match(/<title>\[(resolved|identified)\] API outage<\/title>/g)).toHaveLength(2);
    // no further steps: the two pages, then only the resolution to the team channel's route (none here)
    expect(recipients(mailbox.mails).filter((r) => r?.endsWith('example.com'))).toEqual([
      'ana@example.com',
      'ben@example.com',
    ]);
    const [incident] = await h.store.incidents.list({ all: true });
    expect(incident).toMatchObject({ status: 'resolved', openedAt: T('03:00'), ackedAt: T('03:18') });
    expect(incident!.resolvedAt).toBeGreaterThanOrEqual(T('03:40'));
    const timeline = (await h.store.incidents.timeline(incident!.id)).map(
      (e) => `${new Date(e.at).toISOString().slice(11, 16)} ${e.kind}: ${e.text}`,
    );
    expect(timeline).toEqual([
      '03:00 opened: ServiceDown: api is down',
      '03:00 alert_fired: ServiceDown {check=api, severity=critical}',
      '03:00 escalation: night step 1: paged Ana (on call in primary) via mail at 03:00',
      '03:00 notified: notified oncall:ana:mail',
      '03:15 escalation: not acknowledged; night step 2: escalated to Ben (on call in secondary) via mail at 03:15',
      '03:15 notified: notified oncall:ben:mail',
      '03:18 acknowledged: acknowledged by ben',
      '03:18 escalation: escalation night stopped: acknowledged by ben from a page link',
      '03:40 alert_resolved: ServiceDown {check=api, severity=critical}',
      '03:40 resolved: resolved: all its alerts resolved',
    ]);
    const [row] = await h.store.escalations.list({ incidentId: incident!.id });
    expect(row).toMatchObject({ state: 'acknowledged', step: 2 });
  });

  it('continues after a restart at the next step, late, never from step one and never skipping one', async () => {
    db = await database.create();
    const three = config(mailbox.port).replace(
      '        - { schedule: secondary, wait: 15m }\n',
      '        - { schedule: secondary, wait: 15m }\n        - { users: [ana, ben], wait: 15m }\n',
    );
    h = await night(db.url, mailbox.port, three);
    await h.until('03:00');
    await h.fire();
    await h.until('03:05');
    expect(recipients(mailbox.mails)).toEqual(['ana@example.com']);
    // down over the 03:15 and 03:30 steps
    await h.down('03:40');
    await h.until('03:41');
    expect(recipients(mailbox.mails)).toEqual(['ana@example.com', 'ben@example.com']);
    await h.until('03:55');
    expect(mailbox.mails).toHaveLength(2);
    await h.until('03:56');
    expect(recipients(mailbox.mails).slice(2).sort()).toEqual(['ana@example.com', 'ben@example.com']);
    await h.until('04:12');
    const [incident] = await h.store.incidents.list({ all: true });
    const steps = (await h.store.incidents.timeline(incident!.id))
      .filter((e) => e.kind === 'escalation')
      .map((e) => `${new Date(e.at).toISOString().slice(11, 16)} ${e.text}`);
    expect(steps).toEqual([
      '03:00 night step 1: paged Ana (on call in primary) via mail at 03:00',
      '03:40 not acknowledged; night step 2: escalated to Ben (on call in secondary) via mail at 03:40',
      '03:55 not acknowledged; night step 3: escalated to Ana via mail, Ben via mail at 03:55',
      '04:10 not acknowledged: night ran its steps once; nobody else to page',
    ]);
    expect(mailbox.mails).toHaveLength(4);
  });

  it('stops within one tick when the incident is acknowledged on the dashboard', async () => {
    db = await database.create();
    h = await night(db.url, mailbox.port);
    await h.until('03:00');
    await h.fire();
    await h.until('03:05');
    const [incident] = await h.store.incidents.list();
    await h.store.incidents.ack(incident!.id, 'ana', h.clock.now());
    await h.until('03:30');
    expect(recipients(mailbox.mails)).toEqual(['ana@example.com']);
    const steps = (await h.store.incidents.timeline(incident!.id))
      .filter((e) => e.kind === 'escalation')
      .map((e) => `${new Date(e.at).toISOString().slice(11, 16)} ${e.text}`);
    // at the job's next tick after the acknowledgement, not at 03:15
    expect(steps).toEqual([
      '03:00 night step 1: paged Ana (on call in primary) via mail at 03:00',
      '03:05 escalation night stopped: acknowledged by ana',
    ]);
  });

  it("pages from the guide's form too: a policy with match: and no route tree", async () => {
    db = await database.create();
    const guide = config(mailbox.port)
      .replace(/route:\n {2}receiver: mail\n {2}routes:\n.*\n/, '')
      .replace('    - name: night\n', '    - name: night\n      match: { severity: critical }\n');
    expect(guide).not.toContain('route:');
    h = await night(db.url, mailbox.port, guide);
    await h.until('03:00');
    await h.fire();
    await h.until('03:16');
    // the channel (which matches everything in this form) is told as before; the policy pages
    expect(recipients(mailbox.mails).filter((r) => r !== 'ops@example.com')).toEqual([
      'ana@example.com',
      'ben@example.com',
    ]);
    expect(recipients(mailbox.mails)).toContain('ops@example.com');
  });
});

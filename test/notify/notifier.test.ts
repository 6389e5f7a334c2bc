import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compileNotify } from '../../src/notify/config.js';
import { testDatabases } from '../store/databases.js';
import { notifierHarness } from './harness.js';
import { startReceiver } from './receiver.js';

const api = { alertname: 'HighErrorRate', service: 'api', severity: 'critical' };
const web = { alertname: 'HighErrorRate', service: 'web', severity: 'critical' };

describe.each(testDatabases)('notifier on $name', (database) => {
  let db: Awaited<ReturnType<typeof database.create>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let status = 200;
  let h: Awaited<ReturnType<typeof notifierHarness>>;

  const config = (extra = '', channel = '') => `
notify:
  - name: hook
    webhook: { url: "${receiver.url}/hook", alertmanager_compatible: true }
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 4h
${channel}
notifications:
  retry: { initial: 1s, max: 10s }
  give_up_after: 10m
${extra}`;

  beforeAll(async () => {
    receiver = await startReceiver((r) => (r.path === '/ops' ? 200 : status));
  });
  afterAll(async () => {
    await receiver.close();
  });
  afterEach(async () => {
    await h?.close();
    await db?.drop();
    receiver.received.length = 0;
    receiver.accepted.length = 0;
    status = 200;
  });

  async function start(text = config()) {
    db = await database.create();
    h = await notifierHarness(text, db.url);
    return h;
  }

  it('sends after group_wait in Alertmanager webhook v4 form, once, then the resolution', async () => {
    await start();
    h.fire(api, { summary: 'errors at 7%' });
    h.fire(web);
    h.evaluate();
    await h.advance(29_000, 1000);
    expect(receiver.received).toHaveLength(0);
    await h.advance(1000, 1000);
    expect(receiver.accepted).toHaveLength(1);
    const body = receiver.accepted[0]!.body;
    expect(Object.keys(body).sort()).toEqual(
      [
        'receiver',
        'status',
        'alerts',
        'groupLabels',
        'commonLabels',
        'commonAnnotations',
        'externalURL',
        'version',
        'groupKey',
        'truncatedAlerts',
      ].sort(),
    );
    expect(body).toMatchObject({
      receiver: 'hook',
      status: 'firing',
      version: '4',
      groupLabels: { alertname: 'HighErrorRate' },
      commonLabels: { alertname: 'HighErrorRate', severity: 'critical' },
      truncatedAlerts: 0,
    });
    expect(body.alerts).toHaveLength(2);
    expect(body.alerts[0]).toMatchObject({ status: 'firing', endsAt: '0001-01-01T00:00:00Z' });
    expect(Object.keys(body.alerts[0]).sort()).toEqual(
      ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint'].sort(),
    );
    expect(receiver.accepted[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    // Nothing new: no repeat before repeat_interval, whatever the group_interval ticks.
    await h.advance(30 * 60_000, 60_000);
    expect(receiver.accepted).toHaveLength(1);

    h.resolve(api);
    await h.advance(5 * 60_000, 60_000);
    expect(receiver.accepted).toHaveLength(2);
    const second = receiver.accepted[1]!.body;
    expect(second.status).toBe('firing');
    const byService = Object.fromEntries(second.alerts.map((a: any) => [a.labels.service, a.status]));
    expect(byService).toEqual({ api: 'resolved', web: 'firing' });

    h.resolve(web);
    await h.advance(5 * 60_000, 60_000);
    expect(receiver.accepted).toHaveLength(3);
    expect(receiver.accepted[2]!.body.status).toBe('resolved');
    expect(receiver.accepted[2]!.body.alerts.map((a: any) => a.labels.service)).toEqual(['web']);

    const list = await h.store.notifications.list();
    expect(list.map((n) => n.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it("waits the default group_wait after firing, for an alert that was pending for its rule's `for`", async () => {
    // The guide's form with no timings: group_wait is the schema's default (README: 30s).
    await start(`notify:\n  - name: hook\n    webhook: { url: "${receiver.url}/hook" }\n`);
    const wait = compileNotify(h.config()).route.routes[0]!.groupWaitMs;
    expect(wait).toBe(30_000);
    h.fire(api, {}, 'g', 60_000); // ServiceDown's `duration: 1m`
    h.evaluate();
    await h.advance(wait - 1000, 1000);
    expect(receiver.received).toHaveLength(0);
    await h.advance(1000, 1000);
    expect(receiver.accepted).toHaveLength(1);
  });

  it('never sends an alert resolved before group_wait ends', async () => {
    await start();
    h.fire(api);
    h.evaluate();
    await h.advance(10_000, 1000);
    h.resolve(api);
    await h.advance(10 * 60_000, 1000);
    expect(receiver.received).toHaveLength(0);
  });

  it('repeats after repeat_interval, and an acknowledged incident stops the repeats', async () => {
    await start(config('', '').replace('repeat_interval: 4h', 'repeat_interval: 1h'));
    h.fire(api);
    h.evaluate();
    await h.advance(30_000, 30_000);
    expect(receiver.accepted).toHaveLength(1);
    await h.advance(65 * 60_000, 60_000);
    expect(receiver.accepted).toHaveLength(2);

    const [incident] = await h.store.incidents.list();
    expect(incident).toMatchObject({ status: 'open', severity: 'critical' });
    await h.store.incidents.ack(incident!.id, 'ana', h.clock.now());
    await h.advance(3 * 3_600_000, 60_000);
    expect(receiver.accepted).toHaveLength(2);

    // A new alert in the same group is still news.
    h.fire(web);
    await h.advance(5 * 60_000, 60_000);
    expect(receiver.accepted).toHaveLength(3);

    h.resolve(api);
    h.resolve(web);
    await h.advance(5 * 60_000, 60_000);
    const timeline = (await h.store.incidents.timeline(incident!.id)).map((e) => e.kind);
    expect(timeline).toEqual([
      'opened',
      'alert_fired',
      'notified',
      'notified',
      'acknowledged',
      'alert_fired',
      'notified',
      'alert_resolved',
      'alert_resolved',
      'resolved',
      'notified',
    ]);
    expect((await h.store.incidents.get(incident!.id))!.status).toBe('resolved');
  });

  it('keeps refreshing Alertmanager after an acknowledgement, so it does not resolve the alert', async () => {
    await start(config('', `  - name: am\n    alertmanager: { url: "${receiver.url}/am" }`));
    h.fire(api);
    h.evaluate();
    await h.advance(60_000, 30_000);
    const [incident] = await h.store.incidents.list();
    await h.store.incidents.ack(incident!.id, 'ana', h.clock.now());
    const to = (p: string) => receiver.accepted.filter((r) => r.path.startsWith(p)).length;
    const before = { am: to('/am'), hook: to('/hook') };
    await h.advance(5 * 60_000, 60_000);
    expect(to('/hook')).toBe(before.hook);
    expect(to('/am')).toBeGreaterThanOrEqual(before.am + 4);
  });

  it('a silenced alert is not sent, and neither is its resolution', async () => {
    await start();
    const now = h.clock.now();
    await h.store.silences.add({
      id: 's1',
      matchers: [{ name: 'service', type: '=', value: 'api' }],
      startsAt: now,
      endsAt: now + 3_600_000,
      createdBy: 'ana',
      comment: 'deploy',
      createdAt: now,
      updatedAt: now,
    });
    await h.notifier.refreshSilences(true);
    h.fire(api);
    h.evaluate();
    await h.advance(10 * 60_000, 60_000);
    h.resolve(api);
    await h.advance(10 * 60_000, 60_000);
    expect(receiver.received).toHaveLength(0);
  });

  it('inhibition: a firing source mutes targets with equal labels only', async () => {
    await start(
      config(`
inhibit_rules:
  - source_match: { alertname: ServiceDown }
    target_match: { alertname: HighErrorRate }
    equal: [service]
`),
    );
    h.fire({ alertname: 'ServiceDown', service: 'api', severity: 'critical' });
    h.fire(api);
    h.fire(web);
    h.evaluate();
    await h.advance(30_000, 30_000);
    const sent = receiver.accepted.flatMap((r) =>
      r.body.alerts.map((a: any) => `${a.labels.alertname}/${a.labels.service}`),
    );
    expect(sent.sort()).toEqual(['HighErrorRate/web', 'ServiceDown/api']);
  });

  it('retries 5xx with backoff; dead-letters a 400 at once and raises NotificationFailing', async () => {
    await start(
      config(
        '',
        `  - name: ops
    webhook: { url: "${receiver.url}/ops" }
    match: { alertname: NotificationFailing }
    group_wait: 0s`,
      ).replace('group_wait: 30s', 'group_wait: 0s'),
    );
    status = 503;
    h.fire(api);
    h.evaluate();
    await h.advance(1, 1);
    expect(receiver.received).toHaveLength(1);
    // initial 1s, 2s, 4s… (jitter source fixed at its maximum)
    await h.advance(1000, 1000);
    expect(receiver.received).toHaveLength(2);
    await h.advance(2000, 1000);
    expect(receiver.received).toHaveLength(3);
    status = 200;
    await h.advance(4000, 1000);
    expect(receiver.accepted).toHaveLength(1);
    const [n] = await h.store.notifications.list();
    const detail = await h.store.notifications.get(n!.id);
    expect(detail!.log.map((a) => [a.result, a.statusCode])).toEqual([
      ['retry', 503],
      ['retry', 503],
      ['retry', 503],
      ['ok', null],
    ]);
    expect(new Set(receiver.received.map((r) => r.headers['idempotency-key'])).size).toBe(1);

    receiver.received.length = 0;
    receiver.accepted.length = 0;
    status = 400;
    h.fire(web);
    await h.advance(10 * 60_000, 60_000);
    // One attempt each, no retry loop: the group's notification, then NotificationFailing (hook takes every alert).
    const hook = receiver.received.filter((r) => r.path === '/hook');
    expect(hook.map((r) => r.body.groupLabels.alertname)).toEqual(['HighErrorRate', 'NotificationFailing']);
    const dead = await h.store.notifications.list({ status: 'dead', channel: 'hook' });
    expect(dead).toHaveLength(2);
    expect(dead[0]!.lastError).toMatch(/HTTP 400/);
    // The other channel heard that hook is failing.
    const ops = receiver.accepted.filter((r) => r.path === '/ops');
    expect(ops).toHaveLength(1);
    expect(ops[0]!.body.alerts[0].labels).toMatchObject({
      alertname: 'NotificationFailing',
      channel: 'hook',
    });
    expect(ops[0]!.body.title).toBe('[FIRING:1] NotificationFailing');
    // and it is listed with the other firing alerts
    expect(h.notifier.ownAlerts().map((a) => a.labels)).toEqual([
      { alertname: 'NotificationFailing', channel: 'hook', severity: 'warning' },
    ]);
  });

  it('gives up after give_up_after and dead-letters', async () => {
    await start(
      config()
        .replace('give_up_after: 10m', 'give_up_after: 30s')
        .replace('group_wait: 30s', 'group_wait: 0s'),
    );
    status = 500;
    h.fire(api);
    h.evaluate();
    await h.advance(60_000, 1000);
    const [n] = await h.store.notifications.list();
    expect(n!.status).toBe('dead');
    expect(n!.lastError).toMatch(/gave up after \d+ attempts/);
  });

  it('a template that fails renders the default and still delivers', async () => {
    await start(
      config().replace('group_wait: 30s', `group_wait: 0s\n    title: '{% include "/etc/hostname" %}'`),
    );
    h.fire(api);
    h.evaluate();
    await h.advance(1, 1);
    expect(receiver.accepted).toHaveLength(1);
    const [n] = await h.store.notifications.list();
    expect(n!.payload.title).toBe('[FIRING:1] HighErrorRate');
    expect(h.logs.some((l) => l.level === 'error' && /template failed/.test(l.msg))).toBe(true);
  });

  it('after a restart: nothing sent twice, and a resolution that happened meanwhile is sent', async () => {
    await start();
    h.fire(api);
    h.fire(web);
    h.evaluate();
    await h.advance(30_000, 1000);
    expect(receiver.accepted).toHaveLength(1);

    await h.restart();
    // The rule group comes back: api still firing, web ended while Vigil was down.
    h.forget(web);
    await h.advance(10 * 60_000, 60_000);
    expect(receiver.accepted).toHaveLength(2);
    const resolved = receiver.accepted[1]!.body.alerts.filter((a: any) => a.status === 'resolved');
    expect(resolved.map((a: any) => a.labels.service)).toEqual(['web']);

    await h.restart();
    await h.advance(10 * 60_000, 60_000);
    expect(receiver.accepted).toHaveLength(2);
  });

  it('the simple form routes by match; an alert no channel matches is counted and logged once', async () => {
    await start(
      config().replace('    group_wait: 30s', '    match: { severity: critical }\n    group_wait: 30s'),
    );
    h.fire({ alertname: 'DiskFilling', severity: 'warning' });
    h.fire(api);
    h.evaluate();
    await h.advance(60_000, 30_000);
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.accepted[0]!.body.alerts[0].labels.alertname).toBe('HighErrorRate');
    expect(h.notifier.counters.unrouted).toBeGreaterThan(0);
    expect(h.logs.filter((l) => /matches no notification route/.test(l.msg))).toHaveLength(1);
  });
});

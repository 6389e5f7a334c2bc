import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { signAck, verifyAck } from '../../src/oncall/ack-token.js';
import { compileOncall } from '../../src/oncall/compile.js';
import { JobRunner } from '../../src/scheduler/job-runner.js';
import { EscalationService } from '../../src/services/escalations.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from '../server/test-app.js';

const yaml = `
notify:
  - name: mail
    email: { host: 127.0.0.1, port: 9, security: none, from: vigil@example.com, to: ops@example.com }
oncall:
  users:
    - { name: ana, display_name: Ana, contacts: [{ channel: mail, to: ana@example.com }] }
    - { name: ben, contacts: [{ channel: mail, to: ben@example.com }] }
  schedules:
    - name: primary
      timezone: Europe/Berlin
      layers: [{ rotation: [ana, ben], shift: weekly, start: 2026-11-02, handoff: "09:00" }]
      overrides: [{ user: ana, from: 2026-12-08T09:00, until: 2026-12-09T09:00 }]
`;

describe('on call over HTTP', () => {
  let store: Store;
  const clock = new FakeClock(Date.parse('2026-12-08T12:00:00Z'));
  const loaded = parseConfig(yaml, 'vigil.yaml', {});
  let escalations: EscalationService;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    escalations = new EscalationService({
      runner: new JobRunner({
        clock,
        pools: { checks: { concurrency: 1 }, rules: { concurrency: 1 }, tasks: { concurrency: 1 } },
      }),
      clock,
      store,
      oncall: () => compileOncall(loaded.config.oncall),
      channel: () => undefined,
      externalUrl: () => '',
      kick: () => {},
      log: { info() {}, error() {} },
    });
  });
  afterAll(() => store.close());

  it('answers who is on call and a schedule, and never a contact address', async () => {
    const app = testApp({ store, clock, config: loaded, login: true });
    expect((await app.inject({ url: '/api/v1/oncall' })).statusCode).toBe(401);
    const open = testApp({ store, clock, config: loaded });
    const who = (await open.inject({ url: '/api/v1/oncall' })).json();
    expect(who.oncall).toEqual([
      {
        schedule: 'primary',
        timezone: 'Europe/Berlin',
        user: 'ana',
        display_name: 'Ana',
        source: 'override',
        until: '2026-12-09T08:00:00.000Z',
      },
    ]);
    const show = (await open.inject({ url: '/api/v1/oncall/schedules/primary?days=3' })).json();
    expect(show.shifts.map((s: { user: string; source: string }) => `${s.user}/${s.source}`)).toEqual([
      'ana/override',
      'ben/layer-1',
    ]);
    expect((await open.inject({ url: '/api/v1/oncall/schedules/nope' })).json().error.code).toBe('NOT_FOUND');
    const users = (await open.inject({ url: '/api/v1/oncall/users' })).body;
    expect(users).toContain('"ana"');
    expect(users).not.toContain('@example.com');
  });

  it('acknowledges by a signed link without a login: GET shows a button, POST acknowledges, once', async () => {
    const now = clock.now();
    const i = await store.incidents.open({
      key: 'k',
      title: 'api <down>',
      severity: 'critical',
      alert: 'fp',
      at: now,
    });
    const other = await store.incidents.open({
      key: 'k2',
      title: 'web',
      severity: 'critical',
      alert: 'fp2',
      at: now,
    });
    const secret = await store.escalations.secret('ack-links', () => 'unused', now);
    const token = signAck(secret, { incident: i.id, to: 'ana', expiresAt: now + 60_000 });
    const app = testApp({ store, clock, config: loaded, login: true, acks: escalations });
    const page = await app.inject({ url: `/ack/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('api &lt;down&gt;');
    expect(page.body).toContain('<form method="post">');
    expect((await store.incidents.get(i.id))!.status).toBe('open');

    const forged = signAck('another key', { incident: other.id, to: 'ana', expiresAt: now + 60_000 });
    expect((await app.inject({ method: 'POST', url: `/ack/${forged}` })).statusCode).toBe(403);
    const post = await app.inject({
      method: 'POST',
      url: `/ack/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('acknowledged');
    expect(await store.incidents.get(i.id)).toMatchObject({ status: 'acknowledged', ackedBy: 'ana' });
    expect((await store.incidents.get(other.id))!.status).toBe('open');
    const again = await app.inject({ method: 'POST', url: `/ack/${token}` });
    expect(again.body).toContain('was already acknowledged');

    await clock.advance(60_000);
    expect((await app.inject({ url: `/ack/${token}` })).statusCode).toBe(410);
  });

  it('refuses altered, malformed and expired tokens', () => {
    const t = signAck('k', { incident: 3, to: 'ben', expiresAt: 2000 });
    expect(verifyAck('k', t, 1000)).toEqual({ incident: 3, to: 'ben', expiresAt: 2000 });
    expect(verifyAck('k', t, 2000)).toBe('expired');
    expect(verifyAck('other', t, 1000)).toBe('invalid');
    const [body, sig] = t.split('.');
    const changed = Buffer.from(JSON.stringify({ i: 4, t: 'ben', e: 2000 })).toString('base64url');
    expect(verifyAck('k', `${changed}.${sig}`, 1000)).toBe('invalid');
    expect(verifyAck('k', body!, 1000)).toBe('invalid');
    expect(verifyAck('k', `${t}.x`, 1000)).toBe('invalid');
  });
});

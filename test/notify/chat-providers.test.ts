import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordProvider } from '../../src/notify/providers/discord.js';
import { ntfyProvider } from '../../src/notify/providers/ntfy.js';
import { opsgenieProvider } from '../../src/notify/providers/opsgenie.js';
import { pushoverProvider } from '../../src/notify/providers/pushover.js';
import { teamsProvider } from '../../src/notify/providers/teams.js';
import { telegramProvider } from '../../src/notify/providers/telegram.js';
import {
  type Delivery,
  DeliveryError,
  type NotificationData,
  type Provider,
} from '../../src/notify/types.js';
import { type Received, startReceiver } from './receiver.js';

const firing: NotificationData = {
  receiver: 'team',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db1' },
      annotations: { summary: 'disk 95% full' },
      startsAt: Date.UTC(2026, 10, 27),
      endsAt: 0,
      generatorURL: '',
      fingerprint: 'f',
    },
  ],
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: { alertname: 'DiskFull', severity: 'critical', instance: 'db1' },
  commonAnnotations: { summary: 'disk 95% full' },
  externalURL: '',
  groupKey: '{}:{alertname="DiskFull"}',
  truncatedAlerts: 0,
};
const resolved: NotificationData = {
  ...firing,
  status: 'resolved',
  alerts: [{ ...firing.alerts[0]!, status: 'resolved' }],
};

const delivery = (data: NotificationData, body = 'db1: disk 95% full'): Delivery => ({
  id: 'n1',
  idempotencyKey: 'n1',
  channel: 'team',
  payload: { data, title: `[${data.status.toUpperCase()}] DiskFull`, body },
  signal: new AbortController().signal,
  timeoutMs: 2000,
});

const str = (v: unknown, max: number, min = 1) => typeof v === 'string' && v.length >= min && v.length <= max;

/** What each service checks before it takes a message, as its documentation states; else 400. */
const services: Record<string, (r: Received) => number> = {
  teams(r) {
    const b = r.body;
    const a = b?.attachments?.[0];
    if (b?.type !== 'message' || b.attachments.length !== 1) return 400;
    if (a.contentType !== 'application/vnd.microsoft.card.adaptive' || a.content?.type !== 'AdaptiveCard')
      return 400;
    if (typeof a.content.version !== 'string' || !Array.isArray(a.content.body)) return 400;
    if (!a.content.body.every((x: any) => x.type === 'TextBlock' && str(x.text, 28_000))) return 400;
    return JSON.stringify(b).length > 28_000 ? 413 : 202;
  },
  discord(r) {
    const b = r.body;
    if (!r.path.startsWith('/api/webhooks/1/tok?') || !r.path.includes('wait=true')) return 404;
    if (!str(b?.content, 2000) && !b?.embeds?.length) return 400;
    if ((b.embeds ?? []).length > 10) return 400;
    for (const e of b.embeds ?? []) if (!str(e.title, 256) || !str(e.description, 4096)) return 400;
    return 200;
  },
  telegram(r) {
    const b = r.body;
    if (r.path !== '/bot123456:ABC-def/sendMessage') return 404;
    return b?.chat_id !== undefined && str(b.text, 4096) ? 200 : 400;
  },
  ntfy(r) {
    const b = r.body;
    if (r.path !== '/' || r.headers.authorization !== 'Bearer tk_secret') return 403;
    if (!/^[-_A-Za-z0-9]{1,64}$/.test(b?.topic ?? '') || typeof b.message !== 'string') return 400;
    return b.priority >= 1 && b.priority <= 5 && Buffer.byteLength(b.message) <= 4096 ? 200 : 400;
  },
  opsgenie(r) {
    const b = r.body;
    if (r.headers.authorization !== 'GenieKey og-key') return 422;
    if (r.path === '/v2/alerts')
      return str(b?.message, 130) && str(b.alias, 512) && /^P[1-5]$/.test(b.priority) ? 202 : 422;
    if (/^\/v2\/alerts\/[^/]+\/close\?identifierType=alias$/.test(r.path)) return 202;
    return 404;
  },
  pushover(r) {
    const b = r.body;
    if (!/^[A-Za-z0-9]{30}$/.test(b?.token ?? '') || !/^[A-Za-z0-9]{30}$/.test(b?.user ?? '')) return 400;
    return str(b.message, 1024) && str(b.title ?? 'x', 250) && b.priority >= -2 && b.priority <= 2
      ? 200
      : 400;
  },
};

describe('the notifiers small teams use, against receivers that check what the real services check', () => {
  const servers: Record<string, Awaited<ReturnType<typeof startReceiver>>> = {};
  beforeAll(async () => {
    for (const [name, check] of Object.entries(services)) servers[name] = await startReceiver(check);
  });
  afterAll(async () => {
    for (const s of Object.values(servers)) await s.close();
  });

  const cases: [string, Provider<any>, (url: string) => unknown][] = [
    ['teams', teamsProvider, (url) => ({ url: `${url}/workflows/x` })],
    ['discord', discordProvider, (url) => ({ url: `${url}/api/webhooks/1/tok` })],
    ['telegram', telegramProvider, (url) => ({ bot_token: '123456:ABC-def', chat_id: -100, api_url: url })],
    ['ntfy', ntfyProvider, (url) => ({ url, topic: 'ops-alerts', token: 'tk_secret' })],
    ['opsgenie', opsgenieProvider, (url) => ({ api_key: 'og-key', api_url: url })],
    [
      'pushover',
      pushoverProvider,
      (url) => ({ token: 'a'.repeat(30), user: 'u'.repeat(30), api_url: `${url}/1/messages.json` }),
    ],
  ];

  for (const [name, provider, specOf] of cases) {
    it(`${name}: firing and resolved are accepted, a huge body still fits, secrets stay out of errors`, async () => {
      const server = servers[name]!;
      const spec = provider.schema.parse(specOf(server.url));
      await provider.send(spec, delivery(firing));
      await provider.send(spec, delivery(resolved));
      await provider.send(spec, delivery(firing, 'x'.repeat(50_000)));
      expect(server.accepted).toHaveLength(3);
      expect(provider.target(spec)).not.toMatch(/tok|ABC-def|og-key|tk_secret|aaaa/);
    });
  }

  it('opsgenie: the alias de-duplicates repeats and the resolve closes that alias', async () => {
    const got = servers.opsgenie!.accepted;
    expect(got[0]!.body).toMatchObject({ message: '[FIRING] DiskFull', priority: 'P1', source: 'vigil' });
    expect(got[1]!.path).toBe(`/v2/alerts/${got[0]!.body.alias}/close?identifierType=alias`);
    expect(got[2]!.body.alias).toBe(got[0]!.body.alias);
  });

  it('a refusal is not retried, and the error names no secret', async () => {
    const spec = telegramProvider.schema.parse({
      bot_token: '999:WRONG',
      chat_id: 1,
      api_url: servers.telegram!.url,
    });
    const e = await telegramProvider.send(spec, delivery(firing)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as DeliveryError).retry).toBe(false);
    expect((e as Error).message).not.toContain('WRONG');
  });
});

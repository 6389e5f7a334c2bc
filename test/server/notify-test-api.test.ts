import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

describe("the dashboard's Send test", () => {
  let store: Store;
  let receiver: Server;
  const bodies: string[] = [];
  let port = 0;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        if (req.url?.startsWith('/refuse')) res.writeHead(400).end('no such hook');
        else res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await store.close();
    await new Promise((r) => receiver.close(r));
  });

  it('lists the channels without secrets and sends a test through one, with the answer', async () => {
    const config = parseConfig(
      `notify:
  - name: team
    webhook: { url: "http://127.0.0.1:${port}/hook?token=\${HOOK_TOKEN}" }
  - name: broken
    webhook: { url: "http://127.0.0.1:${port}/refuse" }
`,
      'vigil.yaml',
      { HOOK_TOKEN: 'SecretHookToken123' },
    );
    const app = testApp({ store, clock: new FakeClock(Date.parse('2026-12-05T12:00:00Z')), config });
    const list = await app.inject('/api/v1/notify/channels');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('SecretHookToken123');
    expect(list.json().channels.map((c: { name: string }) => c.name)).toEqual(['team', 'broken']);

    const ok = await app.inject({ method: 'POST', url: '/api/v1/notify/channels/team/test' });
    expect(ok.json()).toMatchObject({
      channel: 'team',
      provider: 'webhook',
      ok: true,
      answer: 'HTTP 200: ok',
    });
    expect(bodies.at(-1)).toContain('VigilTestNotification');

    const refused = await app.inject({ method: 'POST', url: '/api/v1/notify/channels/broken/test' });
    expect(refused.json()).toMatchObject({ ok: false, retry: false });
    expect(refused.json().answer).toContain('400');

    const unknown = await app.inject({ method: 'POST', url: '/api/v1/notify/channels/nobody/test' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'NOT_FOUND' });
  });
});

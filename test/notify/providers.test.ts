import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import type { VigilError } from '../../src/errors.js';
import { emailProvider } from '../../src/notify/providers/email.js';
import { pagerdutyProvider } from '../../src/notify/providers/pagerduty.js';
import { type Delivery, DeliveryError, type NotificationData } from '../../src/notify/types.js';
import { startReceiver } from './receiver.js';

const data: NotificationData = {
  receiver: 'pager',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'DiskFull', severity: 'page', instance: 'db1' },
      annotations: {},
      startsAt: Date.UTC(2026, 10, 27),
      endsAt: 0,
      generatorURL: '',
      fingerprint: 'f',
    },
  ],
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: { alertname: 'DiskFull', severity: 'page', instance: 'db1' },
  commonAnnotations: {},
  externalURL: '',
  groupKey: 'k',
  truncatedAlerts: 0,
};

const delivery = (title = 'DiskFull'): Delivery => ({
  id: 'n1',
  idempotencyKey: 'n1',
  channel: 'pager',
  payload: { data, title, body: '' },
  signal: new AbortController().signal,
  timeoutMs: 500,
});

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DeliveryError);
  return e as DeliveryError;
}

describe('pagerduty provider', () => {
  let status = 202;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let spec: ReturnType<typeof pagerdutyProvider.schema.parse>;
  beforeAll(async () => {
    receiver = await startReceiver(() => status);
    spec = pagerdutyProvider.schema.parse({ routing_key: 'k'.repeat(32), url: `${receiver.url}/v2/enqueue` });
  });
  afterAll(() => receiver.close());

  it('maps severity aliases and clips the summary to 1,024 characters', async () => {
    await pagerdutyProvider.send(spec, delivery('x'.repeat(2000)));
    const body = receiver.accepted.at(-1)!.body;
    expect(body.payload.severity).toBe('critical');
    expect(body.payload.summary).toHaveLength(1024);
    expect(body.payload.source).toBe('db1');
    expect(body.dedup_key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('400 is never retried; 429 and 5xx are', async () => {
    status = 400;
    expect((await failure(pagerdutyProvider.send(spec, delivery()))).retry).toBe(false);
    status = 429;
    expect((await failure(pagerdutyProvider.send(spec, delivery()))).retry).toBe(true);
    status = 502;
    const e = await failure(pagerdutyProvider.send(spec, delivery()));
    expect(e.retry).toBe(true);
    expect(e.message).not.toContain('k'.repeat(32));
  });

  it('a receiver that never answers times out and is retried', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const s = pagerdutyProvider.schema.parse({ routing_key: 'k', url: `http://127.0.0.1:${port}/` });
    const e = await failure(pagerdutyProvider.send(s, delivery()));
    expect(e.retry).toBe(true);
    expect(e.message).toMatch(/no answer within 500 ms/);
    silent.close();
  });
});

describe('email provider', () => {
  it('an SMTP server that accepts the connection but never greets times out, to be retried', async () => {
    const sockets: net.Socket[] = [];
    const hang = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as net.AddressInfo).port;
    const spec = emailProvider.schema.parse({
      host: '127.0.0.1',
      port,
      security: 'none',
      from: 'vigil@example.com',
      to: 'ops@example.com',
    });
    const started = Date.now();
    const e = await failure(emailProvider.send(spec, delivery()));
    expect(e.retry).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const s of sockets) s.destroy();
    hang.close();
  });
});

describe('notification config', () => {
  const problems = (yaml: string, env: Record<string, string> = {}) => {
    try {
      parseConfig(yaml, 'vigil.yaml', env);
      return [];
    } catch (e) {
      return (e as VigilError).problems.map((p) => `${p.where} ${p.message}`);
    }
  };

  it('reports an unknown provider, a missing URL or key, and an unknown receiver, each at its line', () => {
    expect(problems('notify:\n  - name: x\n    pigeon: { url: "http://x" }\n').join('\n')).toMatch(
      /vigil.yaml:3:5 .*pigeon/,
    );
    expect(problems('notify:\n  - name: x\n    slack: {}\n').join('\n')).toMatch(/vigil.yaml:3:\d+ .*url/);
    expect(problems('notify:\n  - name: x\n    pagerduty: { routing_key: "" }\n').join('\n')).toMatch(
      /routing_key/,
    );
    expect(
      problems(
        'notify:\n  - name: x\n    webhook: { url: "http://h" }\nroute:\n  receiver: x\n  routes:\n    - receiver: nobody\n',
      ).join('\n'),
    ).toMatch(/vigil.yaml:7:\d+ route.routes\[0\].receiver: no channel or escalation policy named "nobody"/);
    expect(
      problems('notify:\n  - name: x\n    title: "{% if %}"\n    webhook: { url: "http://h" }\n').join('\n'),
    ).toMatch(/vigil.yaml:3:\d+ .*template does not parse/);
  });

  it('a channel without a provider, or with two, is refused', () => {
    expect(problems('notify:\n  - name: x\n').join('\n')).toMatch(/has no provider/);
    expect(
      problems(
        'notify:\n  - name: x\n    slack: { url: "http://a" }\n    webhook: { url: "http://b" }\n',
      ).join('\n'),
    ).toMatch(/has 2 providers/);
  });
});

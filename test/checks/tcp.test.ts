import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpCheck } from '../../src/checks/tcp.js';
import { makeCtx } from './ctx.js';

let server: net.Server;
let port: number;

beforeAll(async () => {
  server = net.createServer((socket) => {
    socket.on('data', (d) => {
      if (d.toString().startsWith('PING')) socket.write('+PONG\r\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('tcp check', () => {
  it('is ok when it connects, with the connect time', async () => {
    const out = await tcpCheck.run(tcpCheck.schema.parse({ host: '127.0.0.1', port }), makeCtx());
    expect(out.status).toBe('ok');
    expect(out.samples?.[0]?.name).toBe('tcp_connect_seconds');
  });

  it('sends a line and expects a reply', async () => {
    const ok = await tcpCheck.run(
      tcpCheck.schema.parse({ host: '127.0.0.1', port, send: 'PING\r\n', expect: 'PONG' }),
      makeCtx(),
    );
    expect(ok).toMatchObject({ status: 'ok', message: 'reply matched' });
  });

  it('is critical when refused, and when the reply never comes before the abort', async () => {
    const refused = await tcpCheck.run(tcpCheck.schema.parse({ host: '127.0.0.1', port: 1 }), makeCtx());
    expect(refused).toMatchObject({ status: 'critical', message: expect.stringContaining('ECONNREFUSED') });
    const ctx = makeCtx({ timeoutMs: 30 });
    const silent = tcpCheck.run(tcpCheck.schema.parse({ host: '127.0.0.1', port, expect: 'HELLO' }), ctx);
    setImmediate(() => ctx.controller.abort());
    expect(await silent).toMatchObject({ status: 'critical', message: 'timed out after 30ms' });
  });
});

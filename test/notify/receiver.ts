import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/**
 * A local HTTP receiver that records what it is sent and answers as told:
 * stands in for Slack, PagerDuty or a webhook endpoint, speaking plain HTTP.
 */
export async function startReceiver(answer: (r: Received) => number | Promise<number> = () => 200) {
  const received: Received[] = [];
  const accepted: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', async () => {
      const r: Received = {
        path: req.url ?? '',
        headers: req.headers,
        body: raw ? JSON.parse(raw) : undefined,
      };
      received.push(r);
      const status = await answer(r);
      if (status < 300) accepted.push(r);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      for (const w of waiters.splice(0)) {
        if (accepted.length >= w.n) w.resolve();
        else waiters.push(w);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    accepted,
    /** resolves once `n` requests have been accepted in all */
    until(n: number): Promise<void> {
      if (accepted.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

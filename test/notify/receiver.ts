import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

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

/** Slack's incoming-webhook rules for a message's shape: 400 (invalid_blocks) for what Slack refuses. */
export function slackAnswer(r: Received): number {
  const b = r.body;
  if (typeof b?.text !== 'string' || !Array.isArray(b.blocks) || b.blocks.length > 50) return 400;
  for (const block of b.blocks) {
    if (block.type === 'header' && (block.text?.type !== 'plain_text' || block.text.text.length > 150))
      return 400;
    if (block.type === 'section' && (typeof block.text?.text !== 'string' || block.text.text.length > 3000))
      return 400;
  }
  return 200;
}

/** A local SMTP server that keeps each message's raw text: stands in for a mail relay. */
export async function startMailbox() {
  const mails: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, cb) {
      let data = '';
      stream.on('data', (c) => {
        data += c;
      });
      stream.on('end', () => {
        mails.push(data);
        for (const w of waiters.splice(0)) {
          if (mails.length >= w.n) w.resolve();
          else waiters.push(w);
        }
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    /** resolves once `n` messages have arrived in all */
    until(n: number): Promise<void> {
      if (mails.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

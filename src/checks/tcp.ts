import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { describe } from '../errors.js';
import type { CheckKind } from './types.js';

const schema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** optional line to send once connected, e.g. "PING\r\n" */
  send: z.string().optional(),
  /** text the first reply must contain */
  expect: z.string().optional(),
});

export type TcpSpec = z.output<typeof schema>;

export const tcpCheck: CheckKind<TcpSpec> = {
  schema,
  series: ['tcp_connect_seconds'],
  target: (spec) => `${spec.host}:${spec.port}`,
  run(spec, ctx) {
    const started = performance.now();
    return new Promise((resolve) => {
      const socket = net.connect({ host: spec.host, port: spec.port, signal: ctx.signal });
      let received = '';
      const finish = (status: 'ok' | 'critical', message: string) => {
        socket.destroy();
        const durationMs = performance.now() - started;
        resolve({
          status,
          message,
          durationMs,
          samples: [{ name: 'tcp_connect_seconds', value: durationMs / 1000 }],
        });
      };
      socket.once('connect', () => {
        if (spec.send !== undefined) socket.write(spec.send);
        if (spec.expect === undefined)
          finish('ok', `connected in ${Math.round(performance.now() - started)}ms`);
      });
      socket.on('data', (chunk) => {
        received += chunk.toString('utf8');
        if (spec.expect !== undefined && received.includes(spec.expect)) finish('ok', 'reply matched');
        else if (received.length > 64 * 1024) finish('critical', 'reply did not contain the expected text');
      });
      socket.once('end', () => finish('critical', `connection closed before ${JSON.stringify(spec.expect)}`));
      socket.once('error', (e) =>
        finish('critical', ctx.signal.aborted ? `timed out after ${ctx.timeoutMs}ms` : describe(e)),
      );
    });
  },
};

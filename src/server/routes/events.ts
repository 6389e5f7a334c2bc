import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { TimerHandle } from '../../core/clock.js';
import type { AppDeps } from '../deps.js';

/** A comment line this often keeps proxies from closing a quiet stream. */
const keepAliveMs = 15_000;

/**
 * `GET /api/v1/events`: server-sent events (`check`, `alert`, `incident`) as
 * the monitor, the rule engine and the notifier produce them. Each stream is a
 * listener on the daemon's one EventHub; nothing here reads the store.
 */
export const eventRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const open = new Set<ServerResponse>();
    // A stream never ends by itself, so closing the server ends them first.
    app.addHook('preClose', async () => {
      for (const res of open) res.end();
    });

    app.get('/events', (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      res.write('retry: 2000\n\n');
      open.add(res);
      let timer: TimerHandle | undefined;
      const ping = () => {
        res.write(': keep-alive\n\n');
        // One connection's keep-alive comment, not scheduled work: it ends with the connection.
        timer = deps.clock.setTimer(keepAliveMs, ping);
      };
      // One connection's keep-alive comment, not scheduled work.
      timer = deps.clock.setTimer(keepAliveMs, ping);
      const stop = deps.events?.subscribe((e) => {
        res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      });
      req.raw.on('close', () => {
        open.delete(res);
        timer?.cancel();
        stop?.();
      });
    });
  };

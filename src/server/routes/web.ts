import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';

/**
 * The dashboard's built files (dist/web) from `/`. Vite names every asset by
 * its content hash, so `/assets/*` is cached for a year; index.html is never
 * cached, so a new release is picked up on the next load. Any other GET that
 * is not an API path or a file is a client route and gets index.html. Only
 * /api/ is guarded: the login page must load before anyone is logged in, and
 * these files hold no data.
 */
export const webRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const root = deps.webRoot;
    if (!root || !existsSync(path.join(root, 'index.html'))) {
      app.get('/', async (_req, reply) =>
        reply
          .type('text/plain; charset=utf-8')
          .send('The dashboard is not built: run `npm run build`. The API is at /api/v1.\n'),
      );
      return;
    }
    await app.register(fastifyStatic, {
      root,
      wildcard: false,
      // our own cache-control below, not send's default max-age=0
      cacheControl: false,
      index: false,
      setHeaders(res, file) {
        res.setHeader(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
    const index = (_req: unknown, reply: { sendFile(f: string): unknown }) => reply.sendFile('index.html');
    app.get('/', index);
    app.get('/*', (req, reply) => {
      const url = req.url.split('?')[0]!;
      if (url.startsWith('/api/') || /\.[a-z0-9]+$/i.test(url)) {
        return reply.status(404).send({
          error: { code: 'NOT_FOUND', message: `no route GET ${url}`, hint: 'the API is under /api/v1' },
        });
      }
      return reply.sendFile('index.html');
    });
  };

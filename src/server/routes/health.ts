import type { FastifyPluginAsync } from 'fastify';
import { describe } from '../../errors.js';
import type { AppDeps } from '../deps.js';

export const healthRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/health', async (_req, reply) => {
      try {
        await withTimeout(deps.store.ping(), 2000);
        return { status: 'ok', store: deps.store.dialect, version: deps.version };
      } catch (e) {
        return reply
          .status(503)
          .send({ status: 'unavailable', store: deps.store.dialect, error: describe(e) });
      }
    });
  };

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      // A deadline on one ping of the store, not scheduled work.
      timer = setTimeout(() => reject(new Error(`store did not answer within ${ms}ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

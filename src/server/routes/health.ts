import type { FastifyPluginAsync } from 'fastify';
import { describe } from '../../errors.js';
import type { AppDeps } from '../deps.js';

/**
 * `/health`: 200 only when the store answers and takes writes. A store that
 * answers `select 1` but refuses every write (a full disk) is not healthy:
 * results are being held or dropped, so the answer is 503 with the reason.
 */
export const healthRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/health', async (_req, reply) => {
      try {
        await withTimeout(deps.store.ping(), 2000);
      } catch (e) {
        return reply
          .status(503)
          .send({ status: 'unavailable', store: deps.store.dialect, error: describe(e) });
      }
      const failing = deps.writes?.();
      if (failing) {
        return reply.status(503).send({
          status: 'degraded',
          store: deps.store.dialect,
          error: `writing results fails since ${new Date(failing.since).toISOString()}: ${failing.error}`,
          pendingResults: failing.pending,
          pendingBytes: failing.pendingBytes,
          version: deps.version,
        });
      }
      return { status: 'ok', store: deps.store.dialect, version: deps.version };
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

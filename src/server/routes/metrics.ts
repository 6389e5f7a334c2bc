import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';
import { renderSamples } from '../exposition.js';

export const metricsRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/metrics', async (_req, reply) => {
      const own = await deps.metrics.metrics();
      reply.type('text/plain; version=0.0.4; charset=utf-8');
      return own + renderSamples(deps.monitor.latestSamples());
    });
  };

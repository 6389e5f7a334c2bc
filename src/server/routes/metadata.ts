import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';

/**
 * The metadata half of Prometheus's HTTP API, which Grafana's Prometheus data
 * source calls to fill its query editor: label names, label values, build info.
 */
export const metadataRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/labels', async () => {
      const names = new Set<string>();
      for (const labels of await deps.store.samples.series())
        for (const k of Object.keys(labels)) names.add(k);
      return { status: 'success', data: [...names].sort() };
    });

    app.get<{ Params: { name: string } }>('/label/:name/values', async (req) => {
      const values = new Set<string>();
      for (const labels of await deps.store.samples.series()) {
        const v = labels[req.params.name];
        if (v !== undefined) values.add(v);
      }
      return { status: 'success', data: [...values].sort() };
    });

    app.get('/status/buildinfo', async () => ({
      status: 'success',
      data: { version: deps.version, revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' },
    }));
  };

import type { FastifyPluginAsync } from 'fastify';
import { clusterView } from '../../cluster/view.js';
import type { AppDeps } from '../deps.js';

/** The nodes sharing this store, their shards and leases (`vigil cluster status` over HTTP). */
export const clusterRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/cluster', async () => {
      const ttlMs = deps.config().config.cluster.lease_ttl;
      const now = deps.clock.now();
      const [nodes, leases] = await Promise.all([deps.store.cluster.nodes(), deps.store.cluster.leases()]);
      const self = deps.cluster?.id;
      return clusterView({
        nodes,
        leases,
        now,
        ttlMs,
        mode: deps.store.dialect === 'postgres' ? 'cluster' : 'single',
        shards: deps.config().config.cluster.shards,
        ...(self ? { self } : {}),
      });
    });
  };

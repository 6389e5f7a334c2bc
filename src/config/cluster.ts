import { z } from 'zod';
import { duration } from './types.js';

/**
 * `cluster:` — several `vigil up` on one PostgreSQL share the work through
 * leases. Every node reads the same vigil.yaml; these settings must match on
 * all of them. With SQLite, Vigil is one node and this section only names it.
 */
export const clusterSchema = z
  .strictObject({
    /** how this node is shown in `vigil cluster status`; the host name when absent */
    node_name: z.string().min(1).max(100).optional(),
    /**
     * how long a lease outlives its last renewal: a dead node's work moves after this
     * (renewed every third of it; a node that cannot renew stops before it ends)
     */
    lease_ttl: duration({ min: 3000, max: 300_000 }).prefault('15s'),
    /** how many parts the checks are hashed into; each is held by one node at a time */
    shards: z.number().int().min(1).max(1024).default(32),
  })
  .prefault({});

export type ClusterConfig = z.output<typeof clusterSchema>;

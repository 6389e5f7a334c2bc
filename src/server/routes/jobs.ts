import type { FastifyPluginAsync } from 'fastify';
import { jobView } from '../../scheduler/job-view.js';
import type { AppDeps } from '../deps.js';

/** The daemon's schedule: every job, its next and last run and outcome (`vigil jobs` over HTTP). */
export const jobRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/jobs', async () => ({ jobs: (deps.jobs?.list() ?? []).map(jobView) }));
  };

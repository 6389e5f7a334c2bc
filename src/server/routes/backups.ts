import type { FastifyPluginAsync } from 'fastify';
import { backupView } from '../../backup/view.js';
import { VigilError } from '../../errors.js';
import type { AppDeps } from '../deps.js';

/** The backup catalogue: jobs with their newest backup, and backups with their latest verification. */
export const backupRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Querystring: { job?: string; limit?: string } }>('/backups', async (req) => {
      const jobs = deps.config().config.backups.jobs;
      const { job } = req.query;
      if (job !== undefined && !jobs.some((j) => j.name === job)) {
        throw new VigilError('BACKUP_JOB_NOT_FOUND', `no backup job named "${job}"`, {
          hint: `configured: ${jobs.map((j) => j.name).join(', ') || 'none'}`,
        });
      }
      const limit = Math.min(Math.max(Number(req.query.limit ?? 100) || 100, 1), 1000);
      const backups = await deps.store.backups.list({ job, limit });
      const verifications = await deps.store.backups.verifications({ backupIds: backups.map((b) => b.id) });
      const last = new Map<string, (typeof verifications)[number]>();
      for (const v of verifications) if (!last.has(v.backupId)) last.set(v.backupId, v);
      return {
        jobs: jobs.map((j) => ({
          name: j.name,
          source: j.source,
          schedule: j.cron ?? null,
          keep: j.keep ?? null,
          verify: j.verify.map((v) => ({ cron: v.cron, level: v.level })),
        })),
        backups: backups.map((b) => backupView(b, last.get(b.id))),
      };
    });
  };

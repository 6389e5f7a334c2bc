import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { HeartbeatPing } from '../../checks/types.js';
import { VigilError } from '../../errors.js';
import type { AppDeps } from '../deps.js';

/**
 * Cron jobs ping Vigil: `curl -fsS -X POST …/api/v1/heartbeat/nightly-export`
 * when done, `/start` when they begin and `/fail` (with the error as the body)
 * when they fail. GET works too, for the shortest possible crontab line.
 */
export const heartbeatRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 10 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    const handler =
      (type: HeartbeatPing['type']) => async (req: FastifyRequest<{ Params: { name: string } }>) => {
        const check = deps.config().config.checks.find((c) => c.name === req.params.name);
        if (!check || (check.kind as string) !== 'heartbeat') {
          throw new VigilError('CHECK_NOT_FOUND', `no heartbeat check named "${req.params.name}"`, {
            hint: 'declare it in vigil.yaml: - name: <name>\n    heartbeat: { period: 1d }',
          });
        }
        const body = typeof req.body === 'string' ? req.body.trim().slice(0, 1000) : undefined;
        const ping: HeartbeatPing = { at: deps.clock.now(), type, message: body || undefined };
        await deps.store.heartbeats.record(check.name, ping);
        const result = await deps.onHeartbeat?.(check.name);
        return {
          ok: true,
          check: check.name,
          type,
          at: new Date(ping.at).toISOString(),
          status: result?.status,
        };
      };
    for (const [suffix, type] of [
      ['', 'ok'],
      ['/start', 'start'],
      ['/fail', 'fail'],
    ] as const) {
      app.route({
        method: ['GET', 'POST'],
        url: `/heartbeat/:name${suffix}`,
        // cron jobs ping with curl: a heartbeat says only "I ran", and needs no login
        config: { auth: 'public' },
        handler: handler(type),
      });
    }
  };

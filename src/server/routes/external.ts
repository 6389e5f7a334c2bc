import type { FastifyPluginAsync } from 'fastify';
import { pushedOutcome } from '../../checks/external.js';
import { parseDuration } from '../../core/duration.js';
import { VigilError } from '../../errors.js';
import type { AppDeps } from '../deps.js';

interface Query {
  success?: string;
  error?: string;
  duration?: string;
}

/**
 * Results made elsewhere, in the shape Gatus's external endpoints take:
 * `POST /api/v1/checks/<name>/external?success=true|false&error=…&duration=1.5s`
 * with a token that may push results. The check must be declared with
 * `external: {}`; each push is recorded like a run of any check.
 */
export const externalRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { name: string }; Querystring: Query }>(
      '/checks/:name/external',
      { config: { auth: 'results.push' } },
      async (req) => {
        const check = deps.config().config.checks.find((c) => c.name === req.params.name);
        if (check?.kind !== 'external') {
          throw new VigilError('CHECK_NOT_FOUND', `no external check named "${req.params.name}"`, {
            hint: 'declare it in vigil.yaml: - name: <name>\n    external: {}',
          });
        }
        const { success, error, duration } = req.query;
        if (success !== 'true' && success !== 'false') {
          throw new VigilError(
            'USAGE',
            `success must be true or false, not ${JSON.stringify(success ?? '')}`,
            {
              hint: '…/external?success=false&error=timeout&duration=10s',
            },
          );
        }
        const durationMs = duration === undefined ? undefined : pushedDuration(duration);
        const now = deps.clock.now();
        const outcome = pushedOutcome({
          success: success === 'true',
          ...(error === undefined ? {} : { error: error.slice(0, 1000) }),
          ...(durationMs === undefined ? {} : { durationMs }),
        });
        // The push arrives when the work ended: it began `duration` earlier.
        const result = deps.monitor.acceptPushed(check.name, outcome, now - (durationMs ?? 0));
        return {
          ok: true,
          check: check.name,
          status: result?.status ?? outcome.status,
          at: new Date(now).toISOString(),
        };
      },
    );
  };

/** Go's durations as Gatus users write them (`1.5s`, `250ms`, `1m30s`, `800us`), or milliseconds as a number. */
function pushedDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t);
  const micro = /^(\d+(?:\.\d+)?)(us|µs|ns)$/.exec(t);
  const ms = micro ? Number(micro[1]) / (micro[2] === 'ns' ? 1e6 : 1e3) : parseDuration(t);
  if (ms === undefined || !Number.isFinite(ms) || ms > 86_400_000) {
    throw new VigilError('USAGE', `duration ${JSON.stringify(text)} is not a duration`, {
      hint: 'write it as 1.5s, 250ms or 1m30s (at most a day), or as milliseconds',
    });
  }
  return ms;
}

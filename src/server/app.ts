import Fastify, { type FastifyInstance } from 'fastify';
import { VigilError } from '../errors.js';
import { registerAuth } from './auth.js';
import type { AppDeps } from './deps.js';
import { alertRoutes } from './routes/alerts.js';
import { alertsReceiveRoutes } from './routes/alerts-receive.js';
import { backupRoutes } from './routes/backups.js';
import { changeRoutes } from './routes/changes.js';
import { checkSeriesRoutes } from './routes/check-series.js';
import { checkRoutes } from './routes/checks.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { heartbeatRoutes } from './routes/heartbeat.js';
import { metadataRoutes } from './routes/metadata.js';
import { metricsRoutes } from './routes/metrics.js';
import { notifyRoutes } from './routes/notify.js';
import { overviewRoutes } from './routes/overview.js';
import { queryRoutes } from './routes/query.js';
import { routineRoutes } from './routes/routines.js';
import { statusRoutes } from './routes/status.js';
import { webRoutes } from './routes/web.js';

const httpStatus: Partial<Record<VigilError['code'], number>> = {
  USAGE: 400,
  CHECK_NOT_FOUND: 404,
  NOT_FOUND: 404,
  BACKUP_JOB_NOT_FOUND: 404,
  BACKUP_NOT_FOUND: 404,
  CHANGE_NOT_FOUND: 404,
  SERVICE_NOT_FOUND: 404,
  ROUTINE_NOT_FOUND: 404,
  ROUTINE_RUN_NOT_FOUND: 404,
  ROUTINE_STEP_NOT_FOUND: 404,
  ROUTINE_SIGNOFF_REFUSED: 409,
  STORE_UNREACHABLE: 503,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TOO_MANY_REQUESTS: 429,
  USER_EXISTS: 409,
};

/** The HTTP face of Vigil, built without listening so tests use `inject()`. */
export function buildApp(deps: AppDeps, options: { logger?: boolean | object } = {}): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
    trustProxy: deps.config().config.server.trust_proxy,
  });
  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof VigilError) {
      return reply
        .status(httpStatus[error.code] ?? 500)
        .send({ error: { code: error.code, message: error.message, hint: error.hint } });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return reply.status(status).send({
      error: { code: status < 500 ? 'USAGE' : 'RUNTIME', message: (error as Error).message },
    });
  });
  if (deps.auth) registerAuth(app, deps.auth);
  app.register(healthRoutes(deps));
  app.register(metricsRoutes(deps));
  app.register(checkRoutes(deps), { prefix: '/api/v1' });
  app.register(heartbeatRoutes(deps), { prefix: '/api/v1' });
  app.register(alertRoutes(deps), { prefix: '/api/v1' });
  app.register(alertsReceiveRoutes(deps));
  app.register(queryRoutes(deps), { prefix: '/api/v1' });
  app.register(metadataRoutes(deps), { prefix: '/api/v1' });
  app.register(notifyRoutes(deps), { prefix: '/api/v1' });
  app.register(backupRoutes(deps), { prefix: '/api/v1' });
  app.register(changeRoutes(deps), { prefix: '/api/v1' });
  app.register(routineRoutes(deps), { prefix: '/api/v1' });
  app.register(overviewRoutes(deps), { prefix: '/api/v1' });
  app.register(checkSeriesRoutes(deps), { prefix: '/api/v1' });
  app.register(eventRoutes(deps), { prefix: '/api/v1' });
  app.register(statusRoutes(deps), { prefix: '/api/v1' });
  app.register(webRoutes(deps));
  return app;
}

import compress from '@fastify/compress';
import Fastify, { type FastifyInstance, type FastifyReply, type RouteOptions } from 'fastify';
import { scrubberOf } from '../config/redact.js';
import { VigilError } from '../errors.js';
import { registerAuth } from './auth.js';
import { closeSilentConnections } from './connections.js';
import type { AppDeps } from './deps.js';
import { ackRoutes } from './routes/ack.js';
import { alertRoutes } from './routes/alerts.js';
import { alertsReceiveRoutes } from './routes/alerts-receive.js';
import { backupRoutes } from './routes/backups.js';
import { changeRoutes } from './routes/changes.js';
import { checkSeriesRoutes } from './routes/check-series.js';
import { checkRoutes } from './routes/checks.js';
import { clusterRoutes } from './routes/cluster.js';
import { eventRoutes } from './routes/events.js';
import { externalRoutes } from './routes/external.js';
import { healthRoutes } from './routes/health.js';
import { heartbeatRoutes } from './routes/heartbeat.js';
import { jobRoutes } from './routes/jobs.js';
import { metadataRoutes } from './routes/metadata.js';
import { metricsRoutes } from './routes/metrics.js';
import { notifyRoutes } from './routes/notify.js';
import { oncallRoutes } from './routes/oncall.js';
import { overviewRoutes } from './routes/overview.js';
import { probeRoutes } from './routes/probes.js';
import { queryRoutes } from './routes/query.js';
import { routineRoutes } from './routes/routines.js';
import { statusRoutes } from './routes/status.js';
import { statusOperatorRoutes, statusPublicRoutes } from './routes/status-comms.js';
import { webRoutes } from './routes/web.js';
import { tlsOptions } from './tls.js';

/** The HTTP face of Vigil, built without listening so tests use `inject()`. */
export function buildApp(
  deps: AppDeps,
  options: { logger?: boolean | object; onRoute?: (route: RouteOptions) => void } = {},
): FastifyInstance {
  const server = deps.config().config.server;
  const tls = tlsOptions(deps.config());
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(server.headers_timeout, server.request_timeout);
  // Half-open connections are looked for this often: Node's default of 30 s lets a flood pile up.
  const connections = {
    headersTimeout,
    connectionsCheckingInterval: Math.max(500, Math.min(5000, headersTimeout / 2)),
  };
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
    trustProxy: server.trust_proxy,
    keepAliveTimeout: server.keep_alive_timeout,
    requestTimeout: server.request_timeout,
    http: connections,
    ...(tls ? { https: { ...tls, ...connections, handshakeTimeout: headersTimeout } } : {}),
    // A URL the router cannot decode (`/%c0%ae/`) is answered in Vigil's error shape, like any other.
    frameworkErrors: (error, _req, reply) => {
      void (reply as FastifyReply).code(400).send({
        error: { code: 'USAGE', message: error.message, hint: 'check the URL: its %-escapes are not valid' },
      });
    },
  });
  // Past the cap, Node closes a new connection at once: a flood cannot take the descriptors checks need.
  app.server.maxConnections = server.max_connections;
  closeSilentConnections(app.server, headersTimeout, tls !== undefined);
  // First, so the route table it sees is complete: the authorization test walks every route from it.
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof VigilError) {
      return reply
        .status(error.httpStatus)
        .send({ error: { code: error.code, message: error.message, hint: error.hint } });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 429) {
      // the rate limiter's own error: the documented code, and when to try again
      return reply.status(429).send({
        error: {
          code: 'TOO_MANY_REQUESTS',
          message: (error as Error).message,
          hint: 'wait a minute before trying again',
        },
      });
    }
    return reply.status(status).send({
      error: { code: status < 500 ? 'USAGE' : 'RUNTIME', message: (error as Error).message },
    });
  });
  // The last line of defence for secrets: whatever a route answers passes the config's scrubber,
  // so a value interpolated from the environment cannot leave through a message or a target.
  app.addHook('onSend', async (_req, _reply, payload) =>
    typeof payload === 'string' ? (deps.scrubber ?? scrubberOf(deps.config())).scrub(payload) : payload,
  );
  // Answers over 1 KiB compressed for clients that ask (browsers, Prometheus, curl --compressed):
  // the overview at 20,000 checks is 4.5 MB of JSON and 82 KiB gzipped. Registered after the
  // scrubber, so its hook sees the text before it is compressed. The event stream is hijacked
  // and never passes here.
  app.register(compress, { threshold: 1024 });
  if (deps.auth) registerAuth(app, deps.auth);
  app.register(healthRoutes(deps));
  app.register(metricsRoutes(deps));
  app.register(checkRoutes(deps), { prefix: '/api/v1' });
  app.register(heartbeatRoutes(deps), { prefix: '/api/v1' });
  app.register(externalRoutes(deps), { prefix: '/api/v1' });
  app.register(probeRoutes(deps), { prefix: '/api/v1' });
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
  app.register(jobRoutes(deps), { prefix: '/api/v1' });
  app.register(clusterRoutes(deps), { prefix: '/api/v1' });
  app.register(oncallRoutes(deps), { prefix: '/api/v1' });
  app.register(ackRoutes(deps));
  app.register(statusOperatorRoutes(deps), { prefix: '/api/v1' });
  app.register(statusPublicRoutes(deps));
  app.register(webRoutes(deps));
  return app;
}

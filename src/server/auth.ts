import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, type Principal, type Right } from '../auth/roles.js';
import type { SessionManager } from '../auth/sessions.js';
import { authenticateToken } from '../auth/tokens.js';
import { VigilError } from '../errors.js';
import type { Store } from '../store/store.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** the session's CSRF token, when the principal came with a session cookie */
    csrf?: string;
  }
  interface FastifyContextConfig {
    /** `public`: no login; a Right: what the caller needs (default: read for GET, operate otherwise) */
    auth?: 'public' | Right;
  }
}

export interface AuthDeps {
  store: Store;
  sessions: SessionManager;
  now(): number;
  settings(): { metrics: 'public' | 'token'; loginAttemptsPerMinute: number; sessionTtlMs: number };
}

export const sessionCookie = 'vigil_session';

/**
 * Login for the API and /metrics. Everything under /api/ needs a principal
 * (a session cookie or `Authorization: Bearer <token>`) unless its route says
 * `config: { auth: 'public' }`; the dashboard's static files are public, they
 * hold no data. Cookie-authenticated writes must echo the session's CSRF token
 * in `x-csrf-token` (a bearer token cannot be sent by another site, so it needs none).
 */
export function registerAuth(app: FastifyInstance, deps: AuthDeps): void {
  app.register(cookie);
  app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Vigil may be served over plain HTTP on loopback: HSTS belongs to the TLS terminator.
    strictTransportSecurity: false,
  });
  app.register(rateLimit, { global: false });

  app.decorateRequest('principal', undefined);
  app.decorateRequest('csrf', undefined);
  app.addHook('onRequest', async (req) => {
    // The route that matched, not the raw URL: the router decodes %-escapes (/%61pi/… is /api/…).
    const path = req.routeOptions.url ?? req.url.split('?')[0]!;
    const guarded = path.startsWith('/api/') || (path === '/metrics' && deps.settings().metrics === 'token');
    const wanted = req.routeOptions.config?.auth;
    if (!guarded || wanted === 'public') return;
    const found = await identify(req, deps);
    if (!found) {
      throw new VigilError('UNAUTHENTICATED', 'log in or send an API token', {
        hint: 'Authorization: Bearer <token> (vigil token create), or POST /api/v1/auth/login',
      });
    }
    const { principal, csrf } = found;
    // No route matched: a login suffices to learn it is a 404, whatever the method.
    const unmatched = req.routeOptions.url === undefined;
    const right: Right =
      wanted ?? (unmatched || req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'operate');
    if (!can(principal.role, right)) {
      throw new VigilError(
        'FORBIDDEN',
        `${principal.name} (${principal.role}) may not do this: it needs "${right}"`,
        {
          hint: 'ask an admin for a role with that right',
        },
      );
    }
    req.principal = principal;
    req.csrf = csrf;
  });

  // routes after the plugins above, so the rate limiter sees them
  app.register(async (scoped) => loginRoutes(scoped, deps));
}

function loginRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const secure = (req: FastifyRequest) => req.protocol === 'https';
  const attempts = () => deps.settings().loginAttemptsPerMinute;

  app.post<{ Body: { user?: unknown; password?: unknown } }>(
    '/api/v1/auth/login',
    {
      config: { auth: 'public', rateLimit: { max: attempts, timeWindow: 60_000 } },
    },
    async (req, reply) => {
      const { user, password } = req.body ?? {};
      if (typeof user !== 'string' || typeof password !== 'string' || !user || !password) {
        throw new VigilError('USAGE', 'send {"user": "…", "password": "…"}');
      }
      const now = deps.now();
      const done = await deps.sessions.login(user, password, now);
      if (!done) {
        req.log.warn({ user: user.slice(0, 64), ip: req.ip }, 'login failed');
        throw new VigilError('UNAUTHENTICATED', 'wrong user name or password', {
          hint: 'the first admin is "admin"; its password was printed at first start or set by VIGIL_ADMIN_PASSWORD',
        });
      }
      reply.setCookie(sessionCookie, done.id, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: secure(req),
        maxAge: Math.floor(deps.settings().sessionTtlMs / 1000),
      });
      return me(done.session.principal, done.session.csrf);
    },
  );
  app.get('/api/v1/auth/me', async (req) => me(req.principal!, req.csrf));
  // Logging out is allowed to anyone with the cookie; it needs no CSRF token (it only ends the session).
  app.post('/api/v1/auth/logout', { config: { auth: 'public' } }, async (req, reply) => {
    const id = req.cookies[sessionCookie];
    if (id) await deps.sessions.logout(id);
    reply.clearCookie(sessionCookie, { path: '/' });
    return { ok: true };
  });
}

function me(p: Principal, csrf: string | undefined) {
  return { user: p.name, role: p.role, via: p.via, ...(csrf ? { csrf } : {}) };
}

async function identify(
  req: FastifyRequest,
  deps: AuthDeps,
): Promise<{ principal: Principal; csrf?: string } | undefined> {
  const header = req.headers.authorization;
  if (header) {
    const token = bearerOrBasic(header);
    const principal = token ? await authenticateToken(deps.store, token, deps.now()) : undefined;
    return principal && { principal };
  }
  const id = req.cookies[sessionCookie];
  if (!id) return undefined;
  const session = await deps.sessions.get(id, deps.now());
  if (!session) return undefined;
  const write = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
  if (write && req.headers['x-csrf-token'] !== session.csrf) {
    throw new VigilError('FORBIDDEN', 'missing or wrong CSRF token', {
      hint: 'send the csrf value from /api/v1/auth/me in the x-csrf-token header',
    });
  }
  return { principal: session.principal, csrf: session.csrf };
}

/**
 * The API token of `Bearer <token>`, or the password of Basic auth: clients
 * that only know a URL's user:password (promtool, many Prometheus tools) send
 * the token as the password; the user name is not read.
 */
function bearerOrBasic(header: string): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
}

import { z } from 'zod';
import { duration } from './types.js';

/**
 * `server:`: where the dashboard and API listen, who may use them, and the
 * bounds that keep a flood of connections from taking the descriptors checks
 * need (a probe that cannot open a socket reports a healthy service down).
 */
export const serverSchema = z.strictObject({
  listen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'listen is host:port, e.g. 127.0.0.1:8080')
    .default('127.0.0.1:8080'),
  /** behind a reverse proxy: trust X-Forwarded-For/-Proto (login limits per client, Secure cookies) */
  trust_proxy: z.boolean().default(false),
  /** HTTPS without a proxy: PEM files, re-read on SIGHUP; TLS 1.2 and later only */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /** open connections at most; more are closed at once, so checks keep their file descriptors */
  max_connections: z.number().int().min(1).max(1_000_000).default(512),
  /** a client must send its request headers within this */
  headers_timeout: duration({ min: 1000 }).prefault('10s'),
  /** and its whole request within this */
  request_timeout: duration({ min: 1000 }).prefault('30s'),
  /** an idle kept-alive connection is closed after this */
  keep_alive_timeout: duration({ min: 1000 }).prefault('5s'),
  auth: z
    .strictObject({
      /** a browser session ends after this long without use */
      session_ttl: duration({ min: 60_000 }).prefault('12h'),
      /** `token`: /metrics needs an API token (Authorization: Bearer …) like the API */
      metrics: z.enum(['public', 'token']).default('public'),
      /** failed and successful login attempts allowed per client address and minute */
      login_attempts_per_minute: z.number().int().min(1).max(1000).default(10),
    })
    .prefault({}),
});

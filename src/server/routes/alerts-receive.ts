import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { type ExternalAlert, resolveTimeoutMs } from '../../services/external-alerts.js';
import type { AppDeps } from '../deps.js';

/** Prometheus batches up to 64 alerts a request; their labels and annotations need more than the default. */
const bodyLimit = 1024 * 1024;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

class Invalid extends Error {}

/**
 * Alerts in from an existing Prometheus or Alertmanager: `POST /api/v2/alerts`
 * in Alertmanager's API v2 shape (so Prometheus's `alerting.alertmanagers`
 * can point at Vigil), and Alertmanager's webhook (version 4) at
 * `POST /api/v1/alerts/webhook` (so an Alertmanager receiver can forward).
 * Needs a token with the `alerts.receive` right (operator or admin).
 */
export const alertsReceiveRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.addHook('onClose', async () => deps.externalAlerts?.stop());
    const route = { bodyLimit, config: { auth: 'alerts.receive' as const } };
    const unavailable = (reply: FastifyReply) =>
      reply.status(503).send({ code: 503, message: 'this Vigil takes no alerts from outside' });

    app.post('/api/v2/alerts', route, async (req, reply) => {
      const external = deps.externalAlerts;
      if (!external) return unavailable(reply);
      const now = deps.clock.now();
      try {
        if (!Array.isArray(req.body)) throw new Invalid('the body must be a JSON array of alerts');
        external.receive(
          req.body.map((raw, i) => {
            const a = object(raw, `alert ${i}`);
            const startsAt = time(a.startsAt, `alert ${i}: startsAt`) ?? now;
            // Alertmanager's rule: without endsAt, an alert lasts resolve_timeout unless sent again.
            const endsAt = time(a.endsAt, `alert ${i}: endsAt`) ?? now + resolveTimeoutMs;
            if (endsAt < startsAt) throw new Invalid(`alert ${i}: start time must be before end time`);
            return alert(a, i, startsAt, endsAt);
          }),
        );
        return reply.status(200).send();
      } catch (e) {
        if (e instanceof Invalid) return reply.status(400).send({ code: 400, message: e.message });
        throw e;
      }
    });

    app.post('/api/v1/alerts/webhook', route, async (req, reply) => {
      const external = deps.externalAlerts;
      if (!external) return unavailable(reply);
      const now = deps.clock.now();
      try {
        const body = object(req.body, 'the webhook body');
        if (body.version !== '4') throw new Invalid('only Alertmanager webhook version "4" is understood');
        if (!Array.isArray(body.alerts)) throw new Invalid('"alerts" must be an array');
        external.receive(
          body.alerts.map((raw, i) => {
            const a = object(raw, `alert ${i}`);
            const startsAt = time(a.startsAt, `alert ${i}: startsAt`) ?? now;
            // Alertmanager repeats a firing group only every repeat_interval: a firing alert
            // from a webhook stays until Alertmanager says it resolved.
            const endsAt =
              a.status === 'resolved' ? (time(a.endsAt, `alert ${i}: endsAt`) ?? now) : undefined;
            return alert(a, i, startsAt, endsAt);
          }),
        );
        return { status: 'success' };
      } catch (e) {
        if (e instanceof Invalid) return reply.status(400).send({ code: 400, message: e.message });
        throw e;
      }
    });
  };

function alert(
  a: Record<string, unknown>,
  i: number,
  startsAt: number,
  endsAt: number | undefined,
): ExternalAlert {
  const labels = strings(a.labels, `alert ${i}: labels`);
  if (!Object.keys(labels).length) throw new Invalid(`alert ${i}: at least one label pair required`);
  for (const k of Object.keys(labels)) {
    if (!labelName.test(k)) throw new Invalid(`alert ${i}: invalid label name ${JSON.stringify(k)}`);
  }
  return {
    labels,
    annotations: a.annotations === undefined ? {} : strings(a.annotations, `alert ${i}: annotations`),
    startsAt,
    endsAt,
    ...(typeof a.generatorURL === 'string' && a.generatorURL ? { generatorURL: a.generatorURL } : {}),
  };
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Invalid(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function strings(v: unknown, what: string): Record<string, string> {
  const o = object(v, what);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) {
    if (typeof x !== 'string') throw new Invalid(`${what}: ${JSON.stringify(k)} must be a string`);
    if (k === '__proto__') continue;
    if (x !== '') out[k] = x;
  }
  return out;
}

/** RFC 3339; Go's zero time (what Alertmanager sends for "no end") counts as absent. */
function time(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new Invalid(`${what} must be an RFC 3339 time`);
  if (v.startsWith('0001-01-01T00:00:00')) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Invalid(`${what} must be an RFC 3339 time`);
  return t;
}

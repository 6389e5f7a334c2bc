import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';
import { VigilError } from '../../errors.js';
import { compileNotify } from '../../notify/config.js';
import {
  acknowledgeIncident,
  createSilence,
  expireSilence,
  incidentDetail,
  incidentView,
  resolveIncident,
  silenceView,
} from '../../notify/operations.js';
import { providers } from '../../notify/registry.js';
import { sendTestNotification } from '../../notify/test-message.js';
import { incidentStats } from '../../store/incidents.js';
import type { OutboxRow } from '../../store/notifications.js';
import type { AppDeps } from '../deps.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  throw new VigilError('USAGE', `${first.path.join('.') || 'body'}: ${first.message}`, {
    hint: 'see the API section of the README',
  });
}

const time = z
  .union([z.iso.datetime({ offset: true }), z.number()])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

const silenceBody = z.strictObject({
  matchers: z.array(z.string()).min(1),
  startsAt: time.optional(),
  endsAt: time.optional(),
  duration: z.string().optional(),
  /** ignored when the caller is logged in: the principal is the author */
  createdBy: z.string().optional(),
  comment: z.string(),
});

function notificationView(n: OutboxRow) {
  return {
    id: n.id,
    channel: n.channel,
    provider: n.provider,
    event: n.event,
    status: n.status,
    title: n.payload.title,
    alerts: n.alerts,
    groupKey: n.groupKey,
    createdAt: iso(n.createdAt),
    attempts: n.attempts,
    lastError: n.lastError,
    finishedAt: iso(n.finishedAt),
    nextAttemptAt: n.status === 'pending' ? iso(n.nextAttemptAt) : null,
  };
}

/** Notifications with their delivery log, silences and incidents. */
export const notifyRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const store = deps.store;

    /** The configured channels, for the dashboard's "Send test"; where each goes, without secrets. */
    app.get('/notify/channels', async () => {
      const config = deps.config().config;
      const channels = compileNotify(config).channels;
      return {
        channels: config.notify.map((c) => {
          const ch = channels.get(c.name);
          return {
            name: c.name,
            provider: ch?.provider ?? null,
            target: ch ? providers[ch.provider].target(ch.spec as never) : null,
          };
        }),
      };
    });

    /** One test notification through a channel, with the receiver's answer (`vigil notify test`). */
    app.post<{ Params: { name: string } }>('/notify/channels/:name/test', async (req) =>
      sendTestNotification(deps.config().config, req.params.name, {
        timeoutMs: 10_000,
        now: deps.clock.now(),
      }),
    );

    app.get('/notifications', async (req) => {
      const q = parse(
        z.object({
          status: z.enum(['pending', 'delivered', 'dead']).optional(),
          channel: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(100),
        }),
        req.query,
      );
      const list = await store.notifications.list(q);
      return { notifications: list.map(notificationView) };
    });

    app.get<{ Params: { id: string } }>('/notifications/:id', async (req) => {
      const n = await store.notifications.get(req.params.id);
      if (!n)
        throw new VigilError('NOT_FOUND', `no notification ${req.params.id}`, {
          hint: 'GET /api/v1/notifications lists them',
        });
      return {
        ...notificationView(n),
        body: n.payload.body,
        data: n.payload.data,
        log: n.log.map((a) => ({ ...a, at: iso(a.at) })),
      };
    });

    app.get('/silences', async (req) => {
      const q = parse(z.object({ all: z.enum(['true', 'false']).optional() }), req.query);
      const now = deps.clock.now();
      const list = await store.silences.list(now, { includeExpired: q.all === 'true' });
      return { silences: list.map((s) => silenceView(s, now)) };
    });

    app.post('/silences', async (req, reply) => {
      const body = parse(silenceBody, req.body);
      const durationMs = body.duration === undefined ? undefined : parseDuration(body.duration);
      if (body.duration !== undefined && durationMs === undefined)
        throw new VigilError('USAGE', `duration: "${body.duration}" is not a duration`, {
          hint: 'e.g. 2h, 30m',
        });
      const now = deps.clock.now();
      const createdBy = req.principal?.name ?? body.createdBy ?? '';
      const s = await createSilence(store.silences, { ...body, createdBy, durationMs }, now);
      await deps.notifier?.refreshSilences(true);
      return reply.status(201).send(silenceView(s, now));
    });

    app.delete<{ Params: { id: string } }>('/silences/:id', async (req) => {
      const now = deps.clock.now();
      const s = await expireSilence(store.silences, req.params.id, now);
      await deps.notifier?.refreshSilences(true);
      return silenceView(s, now);
    });

    app.get('/incidents', async (req) => {
      const q = parse(z.object({ all: z.enum(['true', 'false']).optional() }), req.query);
      return { incidents: (await store.incidents.list({ all: q.all === 'true' })).map(incidentView) };
    });

    app.get('/incidents/stats', async (req) => {
      const now = deps.clock.now();
      const q = parse(z.object({ from: time.optional(), to: time.optional() }), req.query);
      const to = q.to ?? now;
      const from = q.from ?? to - 30 * 86_400_000;
      const list = await store.incidents.list({ all: true, from, to, limit: 100_000 });
      const s = incidentStats(list, from, to);
      return {
        from: iso(from),
        to: iso(to),
        incidents: s.count,
        open: s.open,
        mttaSeconds: s.mttaMs === null ? null : s.mttaMs / 1000,
        mttrSeconds: s.mttrMs === null ? null : s.mttrMs / 1000,
        longestSeconds: s.longestMs === null ? null : s.longestMs / 1000,
      };
    });

    app.get<{ Params: { id: string } }>('/incidents/:id', async (req) =>
      incidentDetail(store.incidents, Number(req.params.id)),
    );

    const actor = z.object({ by: z.string().min(1).default('api') });
    app.post<{ Params: { id: string } }>('/incidents/:id/ack', async (req) => {
      const by = req.principal?.name ?? parse(actor, req.body).by;
      const i = await acknowledgeIncident(store.incidents, Number(req.params.id), by, deps.clock.now());
      deps.events?.publish({ type: 'incident', id: i.id, at: deps.clock.now() });
      return incidentView(i);
    });
    app.post<{ Params: { id: string } }>('/incidents/:id/resolve', async (req) => {
      const by = req.principal?.name ?? parse(actor, req.body).by;
      const i = await resolveIncident(store.incidents, Number(req.params.id), by, deps.clock.now());
      deps.events?.publish({ type: 'incident', id: i.id, at: deps.clock.now() });
      return incidentView(i);
    });
  };

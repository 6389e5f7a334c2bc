import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { VigilError } from '../../errors.js';
import { notifierSettings } from '../../services/notify-settings.js';
import {
  type Comms,
  confirmLink,
  subscribeEmail,
  subscribeWebhook,
  tellSubscribers,
  unsubscribeLink,
  updateMessage,
} from '../../status/communicate.js';
import { atomFeed, rssFeed } from '../../status/feed.js';
import { statusIncidentStatuses } from '../../store/status.js';
import type { AppDeps } from '../deps.js';
import { statusPage } from './status.js';

const esc = (t: string) =>
  t.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A page for a browser, Vigil's JSON for anything else. */
const answer = (req: FastifyRequest, reply: FastifyReply, status: number, title: string, html = '') => {
  reply.code(status).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
  if (!req.headers.accept?.includes('text/html'))
    return reply.send(
      status >= 400
        ? { error: { code: status === 404 ? 'NOT_FOUND' : 'FORBIDDEN', message: title } }
        : { message: title },
    );
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title></head><body style="font-family:sans-serif;max-width:36em;margin:3em auto"><h1>${esc(title)}</h1>${html}</body></html>`,
    );
};

const statusField = z.enum(statusIncidentStatuses as [string, ...string[]]);
const openBody = z.strictObject({
  title: z.string().min(1).max(200),
  status: statusField.default('investigating'),
  impact: z.enum(['none', 'minor', 'major', 'critical']).default('minor'),
  components: z.array(z.string().min(1)).default([]),
  body: z.string().min(1).max(5000),
});
const updateBody = z.strictObject({ status: statusField, body: z.string().min(1).max(5000) });

const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new VigilError('USAGE', `${i.path.join('.') || 'body'}: ${i.message}`);
  }
  return r.data;
};

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'x';
const componentStatus = {
  up: 'operational',
  unknown: 'operational',
  degraded: 'degraded_performance',
  down: 'major_outage',
} as const;

/** What operators and Vigil share with subscribers: built from the app's dependencies. */
export function commsOf(deps: AppDeps): Comms {
  return {
    store: deps.store,
    settings: () => {
      const { config } = deps.config();
      return { page: config.status_page, externalUrl: config.notifications.external_url };
    },
    provider: (name) => notifierSettings(deps.config()).notify.channels.get(name)?.provider,
    now: () => deps.clock.now(),
    kick: () => deps.notifier?.workers.kick(),
  };
}

/** Operators post incidents and updates; subscribers are told. Under /api/v1, behind login. */
export const statusOperatorRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const comms = commsOf(deps);
    const author = (req: FastifyRequest) => req.principal?.name ?? 'api';
    app.get('/status/incidents', async () => ({
      incidents: await deps.store.status.list(deps.clock.now() - 90 * 86_400_000, 200),
    }));
    app.post('/status/incidents', async (req, reply) => {
      const b = parse(openBody, req.body);
      const groups = new Set(deps.config().config.status_page.groups.map((g) => g.name));
      const unknown = b.components.find((c) => !groups.has(c));
      if (unknown !== undefined)
        throw new VigilError('USAGE', `components: no status page group "${unknown}"`, {
          hint: `groups: ${[...groups].join(', ') || 'none (add status_page.groups)'}`,
        });
      const { incident, update } = await deps.store.status.open({
        ...b,
        status: b.status as never,
        author: author(req),
        at: deps.clock.now(),
      });
      const told = await tellSubscribers(comms, updateMessage(incident, update));
      return reply.code(201).send({ incident, subscribers_told: told });
    });
    app.post<{ Params: { id: string } }>('/status/incidents/:id/updates', async (req, reply) => {
      const b = parse(updateBody, req.body);
      const done = await deps.store.status.update(Number(req.params.id), {
        status: b.status as never,
        body: b.body,
        author: author(req),
        at: deps.clock.now(),
      });
      if (!done) throw new VigilError('NOT_FOUND', `no status page incident ${req.params.id}`);
      const told = await tellSubscribers(comms, updateMessage(done.incident, done.update));
      return reply.code(201).send({ incident: done.incident, subscribers_told: told });
    });
    // Addresses are personal data: only admins see or change the list.
    app.get('/subscribers', { config: { auth: 'admin' } }, async () => ({
      subscribers: (await deps.store.status.subscribers()).map((s) => ({
        id: s.id,
        kind: s.kind,
        address: s.address,
        created_at: new Date(s.createdAt).toISOString(),
        confirmed_at: s.confirmedAt === null ? null : new Date(s.confirmedAt).toISOString(),
      })),
    }));
    app.post('/subscribers/webhooks', { config: { auth: 'admin' } }, async (req, reply) => {
      const { url } = parse(z.strictObject({ url: z.string().min(1) }), req.body);
      const s = await subscribeWebhook(comms, url);
      return reply.code(201).send({ id: s.id, kind: s.kind });
    });
    app.delete<{ Params: { id: string } }>('/subscribers/:id', { config: { auth: 'admin' } }, async (req) => {
      const n = await deps.store.status.remove({ id: req.params.id });
      if (!n) throw new VigilError('NOT_FOUND', `no subscriber ${req.params.id}`);
      return { removed: n };
    });
  };

/** The public side: summary, feeds, subscribing and unsubscribing. No address ever leaves here. */
export const statusPublicRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    const comms = commsOf(deps);
    const view = statusPage(deps, (e) => app.log.error({ err: e }, 'reading the status page history failed'));
    const pub = { config: { auth: 'public' as const } };
    const url = () => deps.config().config.notifications.external_url.replace(/\/$/, '');

    /** Statuspage's /api/v2/summary.json shape, which status aggregators and chat bots read. */
    app.get('/status/summary.json', pub, async (_req, reply) => {
      const v = await view();
      const pageId = slug(v.title);
      const at = new Date(v.generatedAt).toISOString();
      const components = v.groups.flatMap((g, gi) => {
        const gid = `group-${slug(g.name)}`;
        const base = {
          created_at: at,
          updated_at: at,
          description: null,
          showcase: true,
          start_date: null,
          page_id: pageId,
          only_show_if_degraded: false,
        };
        return [
          {
            ...base,
            id: gid,
            name: g.name,
            description: g.description ?? null,
            status: componentStatus[g.state],
            position: gi + 1,
            group_id: null,
            group: true,
            components: g.checks.map((c) => `${gid}-${slug(c.name)}`),
          },
          ...g.checks.map((c, ci) => ({
            ...base,
            id: `${gid}-${slug(c.name)}`,
            name: c.name,
            description: c.description ?? null,
            status: componentStatus[c.state],
            position: ci + 1,
            group_id: gid,
            group: false,
          })),
        ];
      });
      const open = v.incidents.filter((i) => i.status !== 'resolved');
      const impacts = ['none', 'minor', 'major', 'critical'];
      const fromState = v.state === 'down' ? 2 : v.state === 'degraded' ? 1 : 0;
      const level = Math.max(fromState, ...open.map((i) => impacts.indexOf(i.impact)));
      const indicator = impacts[level]!;
      const description = [
        'All Systems Operational',
        'Minor Service Outage',
        'Partial System Outage',
        'Major System Outage',
      ][level]!;
      reply.header('cache-control', 'public, max-age=10');
      return {
        page: { id: pageId, name: v.title, url: `${url()}/status`, time_zone: 'Etc/UTC', updated_at: at },
        status: { indicator, description },
        components,
        incidents: open.map((i) => ({
          id: String(i.id),
          name: i.title,
          status: i.status,
          created_at: i.created_at,
          updated_at: i.updates[0]?.at ?? i.created_at,
          monitoring_at: i.updates.find((u) => u.status === 'monitoring')?.at ?? null,
          resolved_at: i.resolved_at,
          impact: i.impact,
          shortlink: `${url()}/status`,
          started_at: i.created_at,
          page_id: pageId,
          incident_updates: i.updates.map((u) => ({
            id: String(u.id),
            status: u.status,
            body: u.body,
            incident_id: String(i.id),
            created_at: u.at,
            updated_at: u.at,
            display_at: u.at,
            affected_components: null,
          })),
          components: components.filter((c) => c.group && i.components.includes(c.name)),
        })),
        scheduled_maintenances: v.maintenance.map((m) => ({
          id: slug(`${m.name}-${m.starts_at}`),
          name: m.title,
          status: m.in_progress ? 'in_progress' : 'scheduled',
          created_at: at,
          updated_at: at,
          monitoring_at: null,
          resolved_at: null,
          impact: 'maintenance',
          shortlink: `${url()}/status`,
          started_at: m.starts_at,
          page_id: pageId,
          incident_updates: [],
          components: [],
          scheduled_for: m.starts_at,
          scheduled_until: m.ends_at,
        })),
      };
    });
    const feedEntries = () => deps.store.status.recentUpdates(50);
    app.get('/status/feed.atom', pub, async (_req, reply) =>
      reply
        .header('content-type', 'application/atom+xml; charset=utf-8')
        .send(
          atomFeed(
            { title: deps.config().config.status_page.title, url: url(), updated: deps.clock.now() },
            await feedEntries(),
          ),
        ),
    );
    app.get('/status/feed.rss', pub, async (_req, reply) =>
      reply
        .header('content-type', 'application/rss+xml; charset=utf-8')
        .send(rssFeed({ title: deps.config().config.status_page.title, url: url() }, await feedEntries())),
    );
    app.post<{ Body: { email?: string } }>(
      '/status/subscribe',
      { config: { auth: 'public', rateLimit: { max: 10, timeWindow: 60_000 } } },
      async (req, reply) => {
        const email = typeof req.body?.email === 'string' ? req.body.email : '';
        await subscribeEmail(comms, email);
        // The same answer whether or not the address was known: it tells nobody who subscribes.
        return answer(
          req,
          reply,
          202,
          'Check your inbox',
          '<p>Follow the link in the message we sent to confirm.</p>',
        );
      },
    );
    const button = (label: string) =>
      `<form method="post"><button type="submit" style="font-size:1.2em">${label}</button></form>`;
    app.get<{ Params: { token: string } }>('/status/confirm/:token', pub, async (req, reply) =>
      answer(req, reply, 200, 'Confirm your subscription', button('Confirm')),
    );
    app.post<{ Params: { token: string } }>('/status/confirm/:token', pub, async (req, reply) => {
      const s = await confirmLink(comms, req.params.token);
      return s
        ? answer(req, reply, 200, 'Subscribed', '<p>You will get updates from now on.</p>')
        : answer(req, reply, 404, 'This link is not valid');
    });
    // GET shows a button (mail scanners follow links); POST is RFC 8058's one-click unsubscribe.
    app.get<{ Params: { token: string } }>('/status/unsubscribe/:token', pub, async (req, reply) =>
      answer(req, reply, 200, 'Unsubscribe', button('Unsubscribe')),
    );
    app.post<{ Params: { token: string } }>('/status/unsubscribe/:token', pub, async (req, reply) => {
      const r = await unsubscribeLink(comms, req.params.token);
      if (r === 'invalid') return answer(req, reply, 404, 'This link is not valid');
      return answer(
        req,
        reply,
        200,
        'Unsubscribed',
        '<p>Your address was deleted. Nothing more will be sent.</p>',
      );
    });
  };

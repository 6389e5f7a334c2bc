import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { can } from '../../auth/roles.js';
import { gate } from '../../changes/gate.js';
import { availability, scheduledMaintenance } from '../../changes/maintenance.js';
import { outboxAnnouncer } from '../../changes/outbox.js';
import { changeView, finishChange, getChange, planChange, startChange } from '../../changes/records.js';
import { VigilError } from '../../errors.js';
import type { ChangeStatus } from '../../store/changes.js';
import type { AppDeps } from '../deps.js';
import { apiTime } from '../params.js';

const usage = (message: string, hint: string) => new VigilError('USAGE', message, { hint });

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/**
 * Change records (deploy markers for charts), the deploy gate, scheduled maintenance for the
 * status page, and availability with maintenance reported apart.
 */
export const changeRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const changeDeps = () => {
      const config = deps.config().config;
      return {
        store: deps.store,
        config,
        announce: outboxAnnouncer(deps.store, config, () => deps.clock.now()),
      };
    };
    const who = (req: FastifyRequest, given: unknown) => req.principal?.name ?? text(given) ?? 'api';

    app.get<{
      Querystring: { from?: string; to?: string; service?: string; status?: string; limit?: string };
    }>('/changes', async (req) => {
      const now = deps.clock.now();
      const to = apiTime(req.query.to, 'to') ?? now + 30 * 86_400_000;
      const from = apiTime(req.query.from, 'from') ?? to - 60 * 86_400_000;
      const list = await deps.store.changes.list({
        from,
        to,
        service: text(req.query.service),
        status: text(req.query.status)?.split(',') as ChangeStatus[] | undefined,
        limit: Math.min(Math.max(Number(req.query.limit ?? 500) || 500, 1), 5000),
      });
      return { changes: list.map(changeView) };
    });

    app.get<{ Params: { id: string } }>('/changes/:id', async (req) => {
      const c = await getChange(deps.store, req.params.id);
      const timeline = await deps.store.changes.timeline(c.id);
      return {
        ...changeView(c),
        timeline: timeline.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
      };
    });

    app.post<{ Body: Record<string, unknown> }>('/changes', async (req, reply) => {
      const b = req.body ?? {};
      const c = await planChange(
        changeDeps(),
        {
          title: String(b.title ?? ''),
          service: String(b.service ?? ''),
          environment: text(b.environment),
          version: text(b.version),
          at: apiTime(b.at, 'at') ?? deps.clock.now(),
          window: text(b.window),
          rollback: b.rollback,
          createdBy: who(req, b.author),
        },
        deps.clock.now(),
      );
      return reply.status(201).send(changeView(c));
    });

    app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>(
      '/changes/:id/start',
      async (req) =>
        changeView(
          await startChange(changeDeps(), req.params.id, who(req, req.body?.author), deps.clock.now()),
        ),
    );

    app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>(
      '/changes/:id/finish',
      async (req) =>
        changeView(
          await finishChange(
            changeDeps(),
            req.params.id,
            String(req.body?.status ?? 'ok'),
            who(req, req.body?.author),
            deps.clock.now(),
            text(req.body?.note),
          ),
        ),
    );

    // Asking is reading; an override needs the change.override right, checked below.
    app.post<{ Body: Record<string, unknown> | undefined }>(
      '/changes/gate',
      { config: { auth: 'read' } },
      async (req, reply) => {
        const b = req.body ?? {};
        let override: { reason: string; by: string; via: string } | undefined;
        if (b.override === true) {
          const p = req.principal;
          if (!p || !can(p.role, 'change.override'))
            throw new VigilError(
              'FORBIDDEN',
              `${p ? `${p.name} (${p.role})` : 'an anonymous caller'} may not override the gate`,
              {
                hint: 'overrides need a token or login with the change.override right (admin)',
              },
            );
          override = { reason: String(b.reason ?? ''), by: p.name, via: p.via };
        }
        const decision = await gate(
          deps.store,
          deps.config().config,
          {
            service: text(b.service),
            environment: text(b.environment),
            change: b.change === undefined || b.change === null ? undefined : (b.change as number | string),
            at: apiTime(b.at, 'at'),
            override,
          },
          deps.clock.now(),
        );
        // A deployment-protection-rule style answer: a denial only by the calendar is "not yet",
        // 202 with Retry-After until next_open_at, so a waiting job retries instead of failing.
        const calendar = ['freeze', 'deny_window', 'outside_allow'];
        if (
          b.defer === true &&
          !decision.allowed &&
          decision.next_open_at &&
          decision.reasons.every((r) => calendar.includes(r.kind))
        ) {
          const seconds = Math.max(
            1,
            Math.ceil((Date.parse(decision.next_open_at) - deps.clock.now()) / 1000),
          );
          return reply
            .status(202)
            .header('retry-after', String(seconds))
            .send({ ...decision, state: 'deferred', retry_after_seconds: seconds });
        }
        return reply.status(decision.allowed ? 200 : 409).send(decision);
      },
    );

    app.get('/changes/maintenance', { config: { auth: 'public' } }, async () => ({
      maintenance: scheduledMaintenance(deps.config().config, deps.clock.now()),
    }));

    app.get<{ Querystring: { check?: string; from?: string; to?: string } }>(
      '/changes/maintenance/availability',
      async (req) => {
        const config = deps.config().config;
        const check = text(req.query.check);
        if (!check || !config.checks.some((c) => c.name === check))
          throw new VigilError('CHECK_NOT_FOUND', `no check named "${check ?? ''}"`, {
            hint: `checks: ${config.checks.map((c) => c.name).join(', ') || 'none'}`,
          });
        const now = deps.clock.now();
        const to = apiTime(req.query.to, 'to') ?? now;
        const from = apiTime(req.query.from, 'from') ?? to - 30 * 86_400_000;
        if (from >= to)
          throw usage('from must be before to', 'e.g. from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z');
        return availability(deps.store, config, check, from, to);
      },
    );
  };

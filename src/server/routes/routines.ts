import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { VigilError } from '../../errors.js';
import { renderReport } from '../../routines/reports/render.js';
import { findRoutine, reportOf, signOff } from '../../routines/runner.js';
import type { AppDeps } from '../deps.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const signoffBody = z.strictObject({
  note: z.string().max(2000).optional(),
  /** who, when the request carries no logged-in principal (before auth, or from a trusted proxy) */
  by: z.string().min(1).max(200).optional(),
});

const contentType = {
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  json: 'application/json',
};

/** Routine runs with their findings, their reports, and sign-off of manual steps. */
export const routineRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/routines', async () => {
      const loaded = deps.config();
      const out = [];
      for (const r of loaded.config.routines) {
        const [last] = await deps.store.routines.listRuns({ routine: r.name, limit: 1 });
        out.push({
          name: r.name,
          cron: r.cron,
          timezone: r.timezone,
          steps: r.steps.map((s) => ({ name: s.name, kind: s.kind })),
          report: r.report,
          lastRun: last ? { id: last.id, status: last.status, startedAt: iso(last.startedAt) } : null,
        });
      }
      return { routines: out };
    });

    app.get<{ Querystring: { routine?: string; status?: string; limit?: string } }>(
      '/routines/runs',
      async (req) => {
        const { routine, status } = req.query;
        if (routine !== undefined) findRoutine(deps.config(), routine);
        if (status !== undefined && status !== 'open' && status !== 'done')
          throw new VigilError('USAGE', `status must be open or done, not "${status}"`);
        const runs = await deps.store.routines.listRuns({
          ...(routine ? { routine } : {}),
          ...(status ? { status } : {}),
          limit: Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 1000),
        });
        return {
          runs: runs.map((r) => ({
            id: r.id,
            routine: r.routine,
            status: r.status,
            startedAt: iso(r.startedAt),
            endedAt: iso(r.endedAt),
            deliveredAt: iso(r.deliveredAt),
            period: { from: iso(r.periodFrom), to: iso(r.periodTo) },
          })),
        };
      },
    );

    app.get<{ Params: { id: string } }>('/routines/runs/:id', async (req) =>
      reportOf(deps.store, req.params.id, deps.clock.now()),
    );

    app.get<{ Params: { id: string }; Querystring: { format?: string } }>(
      '/routines/runs/:id/report',
      async (req, reply) => {
        const format = req.query.format ?? 'html';
        if (format !== 'html' && format !== 'markdown' && format !== 'json')
          throw new VigilError('USAGE', `format must be html, markdown or json, not "${format}"`);
        const report = await reportOf(deps.store, req.params.id, deps.clock.now());
        // The HTML report is styled inline (it is written for mail clients) and holds no script:
        // allow its inline styles and nothing else, instead of the dashboard's policy.
        if (format === 'html')
          reply.header(
            'content-security-policy',
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
          );
        return reply.type(contentType[format]).send(renderReport(report, format));
      },
    );

    app.post<{ Params: { id: string; step: string } }>(
      '/routines/runs/:id/steps/:step/signoff',
      { config: { auth: 'operate' } },
      async (req) => {
        const parsed = signoffBody.safeParse(req.body ?? {});
        if (!parsed.success)
          throw new VigilError('USAGE', `body: ${parsed.error.issues[0]!.message}`, {
            hint: 'send {"note": "…"}',
          });
        const principal = req.principal;
        const r = await signOff(deps.store, req.params.id, req.params.step, {
          by: principal?.name ?? parsed.data.by ?? 'api',
          note: parsed.data.note ?? null,
          at: deps.clock.now(),
        });
        if (r.closed) void deps.routines?.deliver();
        return {
          run: { id: r.run.id, status: r.run.status },
          step: {
            name: r.step.name,
            signedBy: r.step.signedBy,
            signedAt: iso(r.step.signedAt),
            note: r.step.note,
          },
          closed: r.closed,
        };
      },
    );

    app.get('/maintenance', async () => {
      const tasks = [];
      for (const t of deps.config().config.maintenance) {
        const runs = await deps.store.routines.maintenanceRuns({ task: t.name, limit: 10 });
        tasks.push({
          name: t.name,
          kind: t.kind,
          cron: t.cron,
          timezone: t.timezone,
          builtin: Boolean(t.builtin),
          runs: runs.map((r) => ({ ...r, startedAt: iso(r.startedAt) })),
        });
      }
      return { tasks };
    });
  };

import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '../../errors.js';
import { compileOncall } from '../../oncall/compile.js';
import { scheduleView, whoView } from '../../oncall/view.js';
import type { AppDeps } from '../deps.js';

const instant = (text: string | undefined, now: number, name: string): number => {
  if (text === undefined || text === '') return now;
  const t = Date.parse(text);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}/.test(text))
    throw new VigilError('USAGE', `${name} "${text}" is not a time`, {
      hint: 'an ISO 8601 instant, e.g. 2026-12-08T02:00:00Z',
    });
  return t;
};

/** On call over HTTP: who is on call (`vigil oncall who`), a schedule's shifts (`vigil oncall show`), the people. */
export const oncallRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const oncall = () => compileOncall(deps.config().config.oncall);
    app.get<{ Querystring: { at?: string } }>('/oncall', async (req) => ({
      oncall: whoView(oncall(), instant(req.query.at, deps.clock.now(), 'at')),
    }));
    app.get('/oncall/schedules', async () => ({
      schedules: [...oncall().schedules.values()].map((s) => ({
        name: s.name,
        timezone: s.timezone,
        layers: s.layers.map((l) => ({
          name: l.name,
          rotation: l.users,
          shift: l.shiftDays === 1 ? 'daily' : 'weekly',
        })),
      })),
    }));
    app.get<{ Params: { name: string }; Querystring: { days?: string; from?: string } }>(
      '/oncall/schedules/:name',
      async (req) =>
        scheduleView(
          oncall(),
          req.params.name,
          instant(req.query.from, deps.clock.now(), 'from'),
          Number(req.query.days ?? '14'),
        ),
    );
    // Names only: contact addresses are personal data and stay in the config.
    app.get('/oncall/users', async () => ({
      users: [...oncall().users.values()].map((u) => ({
        name: u.name,
        display_name: u.displayName,
        contacts: u.channels.map((c) => c.split(':').at(-1)),
      })),
    }));
    app.get('/oncall/policies', async () => ({
      policies: [...oncall().policies.values()].map((p) => ({
        name: p.name,
        repeat: p.repeat,
        steps: p.steps.map((s) => ({
          schedule: s.schedule ?? null,
          users: s.users,
          channels: s.channels,
          wait_ms: s.waitMs,
        })),
      })),
    }));
  };

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { VigilError } from '../../errors.js';
import type { ProbeService } from '../../services/probes.js';
import type { AgentContact } from '../../store/probes.js';
import type { AppDeps } from '../deps.js';

const agentFields = {
  /** chosen by the agent once, kept in its state directory */
  agent: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  version: z.string().min(1).max(64),
  hostname: z.string().min(1).max(255),
};

const sample = z.strictObject({
  name: z.string().min(1).max(200),
  labels: z.record(z.string(), z.string().max(1000)).optional(),
  // JSON has no NaN: a staleness marker travels as null
  value: z.number().nullable(),
  ts: z.number().int().optional(),
});

const pushBody = z.strictObject({
  ...agentFields,
  /** results still waiting on the agent's disk after this batch */
  buffered: z.number().int().min(0).default(0),
  results: z
    .array(
      z.strictObject({
        seq: z.number().int().min(1),
        check: z.string().min(1).max(200),
        startedAt: z.number().int(),
        durationMs: z.number().min(0),
        status: z.enum(['ok', 'warning', 'critical', 'unknown']),
        message: z.string().max(2000),
        samples: z.array(sample).max(1000),
      }),
    )
    .max(1000),
});

const checksQuery = z.object(agentFields);

/**
 * The probe agents' API, for `probe` tokens only: `GET /probe/checks` (the
 * checks of the token's location, with an ETag so an unchanged list costs a
 * 304) and `POST /probe/results` (a numbered batch; numbers already stored are
 * skipped). `GET /probes` lists the agents for people (`vigil probe list`), and
 * `GET /checks/<name>/locations` a check's state in each location.
 */
export const probeRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const service = (): ProbeService => {
      if (!deps.probes) throw new VigilError('NOT_FOUND', 'probing is not set up on this server');
      return deps.probes;
    };
    const contact = (req: FastifyRequest, fields: z.output<typeof checksQuery>): AgentContact => {
      const location = req.principal?.location;
      if (!location) {
        throw new VigilError('FORBIDDEN', 'only a probe token has a location to fetch checks for', {
          hint: 'vigil token create eu-probe --role probe --location eu-west',
        });
      }
      return {
        // An agent's number is its location's: a token of one location cannot touch another's agents.
        id: `${location}/${fields.agent}`,
        location,
        tokenName: req.principal!.name.replace(/^token:/, ''),
        version: fields.version,
        hostname: fields.hostname,
      };
    };

    app.get<{ Querystring: Record<string, string> }>(
      '/probe/checks',
      { config: { auth: 'probe' } },
      async (req, reply) => {
        const fields = checksQuery.safeParse(req.query);
        if (!fields.success) {
          throw new VigilError('USAGE', 'send agent, version and hostname', {
            hint: '/api/v1/probe/checks?agent=<id>&version=<vigil version>&hostname=<host>',
          });
        }
        const probes = service();
        const agent = contact(req, fields.data);
        await probes.contact(agent);
        const { version, checks } = probes.checksFor(agent.location);
        const etag = `"${version}"`;
        reply.header('etag', etag);
        if (req.headers['if-none-match'] === etag) return reply.code(304).send();
        return { location: agent.location, version, checks };
      },
    );

    app.post(
      '/probe/results',
      // a backlog drains in batches of up to 1,000 results
      { config: { auth: 'probe' }, bodyLimit: 8 * 1024 * 1024 },
      async (req) => {
        const body = pushBody.safeParse(req.body);
        if (!body.success) {
          const issue = body.error.issues[0];
          throw new VigilError('USAGE', `bad batch: ${issue?.path.join('.')}: ${issue?.message}`, {
            hint: 'results are pushed by `vigil probe`; its version may be older than the server',
          });
        }
        const { buffered, results, ...fields } = body.data;
        return service().push(contact(req, fields), results, buffered);
      },
    );

    app.get('/probes', async () => {
      const now = deps.clock.now();
      const { agents, locations } = await service().agents();
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      return {
        locations,
        agents: agents.map((a) => ({
          id: a.id,
          location: a.location,
          hostname: a.hostname,
          version: a.version,
          token: a.tokenName,
          firstSeenAt: iso(a.firstSeenAt),
          lastContactAt: iso(a.lastContactAt),
          sinceContactMs: now - a.lastContactAt,
          lastResultAt: iso(a.lastResultAt),
          lagMs: a.lagMs,
          buffered: a.buffered,
          state: a.missing ? 'missing' : 'reporting',
        })),
      };
    });

    app.get<{ Params: { name: string } }>('/checks/:name/locations', async (req) => {
      const check = deps.config().config.checks.find((c) => c.name === req.params.name);
      if (!check) {
        throw new VigilError('CHECK_NOT_FOUND', `no check named "${req.params.name}"`, {
          hint: 'GET /api/v1/checks lists the configured checks',
        });
      }
      if (!check.locations) return { check: check.name, locations: [] };
      const v = await service().view(check, deps.clock.now());
      return {
        check: check.name,
        quorum: v.quorum,
        quorumSpec: check.quorumSpec ?? null,
        state: v.state,
        status: v.status,
        message: v.message,
        failing: v.failing,
        missing: v.missing,
        locations: v.locations.map((l) => ({
          location: l.location,
          state: l.state,
          lastRunAt: l.at === undefined ? null : new Date(l.at).toISOString(),
          durationMs: l.durationMs ?? null,
          message: l.message ?? null,
        })),
      };
    });
  };

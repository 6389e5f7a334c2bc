import type { FastifyPluginAsync } from 'fastify';
import { checkKinds } from '../../checks/registry.js';
import type { CheckKind } from '../../checks/types.js';
import type { LoadedConfig } from '../../config/loader.js';
import { redact, scrubberOf } from '../../config/redact.js';
import type { CheckConfig } from '../../config/schema.js';
import { parseDuration } from '../../core/duration.js';
import { VigilError } from '../../errors.js';
import type { AppDeps } from '../deps.js';
import { apiTime } from '../params.js';

const windows = ['24h', '7d', '30d', '90d'] as const;

export const checkRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const find = (name: string): { check: CheckConfig; index: number } => {
      const checks = deps.config().config.checks;
      const index = checks.findIndex((c) => c.name === name);
      if (index < 0) {
        throw new VigilError('CHECK_NOT_FOUND', `no check named "${name}"`, {
          hint: 'GET /api/v1/checks lists the configured checks',
        });
      }
      return { check: checks[index]!, index };
    };

    app.get('/checks', async () => {
      const states = new Map((await deps.store.checks.all()).map((s) => [s.name, s]));
      const loaded = deps.config();
      return {
        checks: loaded.config.checks.map((c) => {
          const last = states.get(c.name)?.last;
          return {
            ...describeCheck(c, loaded),
            status: last?.status ?? 'pending',
            /** reached its target: a critical check that is up (a busy host) is in trouble, not down */
            up: last ? last.up : null,
            message: last?.message ?? null,
            lastRunAt: last ? new Date(last.at).toISOString() : null,
            lastDurationMs: last?.durationMs ?? null,
          };
        }),
      };
    });

    app.get<{ Params: { name: string } }>('/checks/:name', async (req) => {
      const { check, index } = find(req.params.name);
      const loaded = deps.config();
      return {
        ...describeCheck(check, loaded),
        config: { [check.kind]: redact(check.spec, loaded, `checks.${index}.${check.kind}`) },
      };
    });

    app.get<{ Params: { name: string }; Querystring: { from?: string; to?: string; limit?: string } }>(
      '/checks/:name/results',
      async (req) => {
        const { check } = find(req.params.name);
        const now = deps.clock.now();
        const to = apiTime(req.query.to, 'to') ?? now;
        const from = apiTime(req.query.from, 'from') ?? to - 3_600_000;
        const limit = Math.min(10_000, Math.max(1, Number(req.query.limit ?? 1000) || 1000));
        const results = await deps.store.results.list(check.name, from, to, limit);
        return {
          check: check.name,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          results: results.map((r) => ({
            at: new Date(r.startedAt).toISOString(),
            status: r.status,
            up: r.up,
            durationMs: r.durationMs,
            message: r.message,
          })),
        };
      },
    );

    app.get<{ Params: { name: string }; Querystring: { window?: string } }>(
      '/checks/:name/availability',
      async (req) => {
        const { check } = find(req.params.name);
        const window = parseWindow(req.query.window);
        const now = deps.clock.now();
        const [[row], first] = await Promise.all([
          deps.store.rollups.availability(now - window.ms, now, [check.name]),
          deps.store.checks.firstSeen(check.name),
        ]);
        return {
          check: check.name,
          window: window.name,
          ...availabilityBody(row),
          // "90d: 100%" from 20 minutes of runs must say so: the history the window holds
          historyMs: first === undefined ? 0 : Math.max(0, Math.min(window.ms, now - first)),
          windowMs: window.ms,
        };
      },
    );

    /** Every check's availability in one aggregate query: the overview and reports use this. */
    app.get<{ Querystring: { window?: string } }>('/availability', async (req) => {
      const window = parseWindow(req.query.window);
      const now = deps.clock.now();
      const rows = new Map(
        (await deps.store.rollups.availability(now - window.ms, now)).map((r) => [r.check, r]),
      );
      return {
        window: window.name,
        checks: deps
          .config()
          .config.checks.map((c) => ({ check: c.name, ...availabilityBody(rows.get(c.name)) })),
      };
    });
  };

function describeCheck(c: CheckConfig, loaded: LoadedConfig) {
  const kind = checkKinds[c.kind] as CheckKind<unknown>;
  return {
    name: c.name,
    kind: c.kind,
    // a target is made of config values: the secrets in them are shown as in `config`, as ***
    target: scrubberOf(loaded).scrub(kind.target(c.spec)),
    labels: c.labels,
    schedule:
      c.schedule.type === 'every'
        ? { every: `${c.schedule.everyMs / 1000}s` }
        : { cron: c.schedule.expr, timezone: c.schedule.timezone ?? null },
    timeoutMs: c.timeoutMs,
    ...(c.locations ? { locations: c.locations, quorum: c.quorumSpec ?? 'majority' } : {}),
  };
}

function availabilityBody(
  row: { runs: number; up: number; ratio: number | null; avgDurationMs: number | null } | undefined,
) {
  return {
    availability: row?.ratio ?? null,
    runs: row?.runs ?? 0,
    up: row?.up ?? 0,
    avgDurationMs: row?.avgDurationMs ?? null,
  };
}

function parseWindow(text: string | undefined): { name: string; ms: number } {
  const name = text ?? '24h';
  const ms = parseDuration(name);
  if (!(windows as readonly string[]).includes(name) || ms === undefined) {
    throw new VigilError('USAGE', `window must be one of ${windows.join(', ')}, not "${name}"`, {
      hint: 'e.g. ?window=30d',
    });
  }
  return { name, ms };
}

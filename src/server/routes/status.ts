import type { FastifyPluginAsync } from 'fastify';
import { scheduledMaintenance } from '../../changes/maintenance.js';
import type { CheckConfig } from '../../config/schema.js';
import { bucketOf, resolutions } from '../../core/buckets.js';
import { Cached } from '../../services/cached.js';
import type { AppDeps } from '../deps.js';

const days = 90;

/** What the public may know of a check's state: no message, no target, no host. */
type PublicState = 'up' | 'degraded' | 'down' | 'unknown';
/** A critical check that still answers (a busy host, a certificate about to expire) is degraded, not down. */
const publicState = (last: { status: string; up: boolean } | undefined): PublicState =>
  last?.status === 'ok'
    ? 'up'
    : last?.status === 'warning'
      ? 'degraded'
      : last?.status === 'critical'
        ? last.up
          ? 'degraded'
          : 'down'
        : 'unknown';
const rank: Record<PublicState, number> = { up: 0, unknown: 1, degraded: 2, down: 3 };

/**
 * `GET /api/v1/status`: the public status page's data, without login. Only the
 * checks `status_page.groups` chooses, by name, with their state and 90 daily
 * uptime ratios; never messages, targets or labels.
 */
export const statusRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const view = statusPage(deps, (e) =>
      app.log.error({ err: e }, 'reading the status page history failed; showing the previous one'),
    );
    app.get('/status', { config: { auth: 'public' } }, async (_req, reply) => {
      const page = await view();
      // Short caching: a status page is what people reload during an outage.
      reply.header('cache-control', 'public, max-age=10');
      return page;
    });
  };

/** How long a resolved incident stays on the public page. */
const resolvedShownMs = 14 * 86_400_000;

/** The public status page's data, as `GET /api/v1/status` and `/status/summary.json` read it. */
export function statusPage(deps: AppDeps, onError: (e: unknown) => void) {
  // Daily bars change once a day; a minute's staleness spares the store a scan per visitor.
  const daily = new Cached(
    () => {
      const now = deps.clock.now();
      return deps.store.rollups.grid('d', bucketOf(now, 'd') - days * resolutions.d, now + resolutions.d);
    },
    deps.clock,
    60_000,
    onError,
  );
  const latest = new Cached(() => deps.store.checks.all(), deps.clock, 5000);
  return async () => {
    const { config } = deps.config();
    const page = config.status_page;
    const now = deps.clock.now();
    const first = bucketOf(now, 'd') - (days - 1) * resolutions.d;
    const groups = page.groups.map((g) => ({
      name: g.name,
      description: g.description,
      checks: config.checks.filter((c) => (g.checks ? g.checks.includes(c.name) : matches(c, g.match!))),
    }));
    const shown = new Set(groups.flatMap((g) => g.checks.map((c) => c.name)));
    const [states, grid, incidents] = await Promise.all([
      latest.get(),
      shown.size ? daily.get() : undefined,
      deps.store.status.list(now - resolvedShownMs),
    ]);
    const status = new Map(states.map((s) => [s.name, s.last]));
    const perDay = new Map<string, { runs: number[]; up: number[] }>();
    for (const name of shown) perDay.set(name, { runs: Array(days).fill(0), up: Array(days).fill(0) });
    if (grid) {
      for (let i = 0; i < grid.check.length; i++) {
        const d = perDay.get(grid.check[i]!);
        const day = (grid.bucket[i]! - first) / resolutions.d;
        if (!d || day < 0 || day >= days) continue;
        d.runs[day]! += grid.runs[i]!;
        d.up[day]! += grid.up[i]!;
      }
    }
    const view = groups.map((g) => {
      const checks = g.checks.map((c) => {
        const d = perDay.get(c.name)!;
        const runs = d.runs.reduce((a, b) => a + b, 0);
        const up = d.up.reduce((a, b) => a + b, 0);
        return {
          // the public name: the check's own name is internal (`app-journal`, `pg`) unless it has none
          name: c.displayName ?? c.name,
          ...(c.description ? { description: c.description } : {}),
          state: publicState(status.get(c.name)),
          uptime: runs ? Math.round((up / runs) * 100_000) / 100_000 : null,
          days: d.runs.map((r, i) => (r ? Math.round((d.up[i]! / r) * 10_000) / 10_000 : null)),
        };
      });
      return {
        name: g.name,
        ...(g.description ? { description: g.description } : {}),
        state: worst(checks.map((c) => c.state)),
        checks,
      };
    });
    return {
      title: page.title,
      generatedAt: now,
      firstDay: first,
      state: worst(view.map((g) => g.state)),
      groups: view,
      // declared maintenance windows, under way or in the next 30 days: name, title and times only
      maintenance: scheduledMaintenance(config, now),
      // incidents operators posted, with every update; who posted is not shown
      incidents: incidents.map((i) => ({
        id: i.id,
        title: i.title,
        status: i.status,
        impact: i.impact,
        components: i.components,
        created_at: new Date(i.createdAt).toISOString(),
        resolved_at: i.resolvedAt === null ? null : new Date(i.resolvedAt).toISOString(),
        updates: i.updates.map((u) => ({
          id: u.id,
          status: u.status,
          body: u.body,
          at: new Date(u.at).toISOString(),
        })),
      })),
    };
  };
}

function matches(c: CheckConfig, match: Readonly<Record<string, string>>): boolean {
  return Object.entries(match).every(([k, v]) => c.labels[k] === v);
}

function worst(states: PublicState[]): PublicState {
  return states.reduce<PublicState>((w, s) => (rank[s] > rank[w] ? s : w), 'up');
}

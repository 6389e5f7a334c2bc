import type { FastifyPluginAsync } from 'fastify';
import { bucketOf, resolutions } from '../../core/buckets.js';
import type { AppDeps } from '../deps.js';

/** Hourly sparkline: the 24 whole hours before this one plus the hour in progress. */
const sparkHours = 25;

/**
 * `GET /api/v1/overview`: everything the dashboard's first screen shows, in one
 * payload built from three aggregate reads (latest state, hourly rollups,
 * alerts in memory), however many checks there are — never a query per check.
 */
export const overviewRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/overview', async () => {
      const now = deps.clock.now();
      const first = bucketOf(now, 'h') - (sparkHours - 1) * resolutions.h;
      const [states, grid, incidents] = await Promise.all([
        deps.store.checks.all(),
        deps.store.rollups.grid('h', first, now + 1),
        deps.store.incidents.list({ limit: 10_000 }),
      ]);
      const last = new Map(states.map((s) => [s.name, s.last]));

      const checks = deps.config().config.checks;
      const index = new Map(checks.map((c, i) => [c.name, i]));
      const runs = new Float64Array(checks.length * sparkHours);
      const up = new Float64Array(checks.length * sparkHours);
      for (let i = 0; i < grid.check.length; i++) {
        const c = index.get(grid.check[i]!);
        const h = (grid.bucket[i]! - first) / resolutions.h;
        if (c === undefined || h < 0 || h >= sparkHours) continue;
        const k = c * sparkHours + h;
        runs[k] = runs[k]! + grid.runs[i]!;
        up[k] = up[k]! + grid.up[i]!;
      }

      const alerts = deps.rules.groups.flatMap((g) => g.activeAlerts());
      const firingByCheck = new Map<string, number>();
      let firing = 0;
      let pending = 0;
      for (const a of alerts) {
        if (a.state === 'firing') {
          firing++;
          const c = a.labels.check;
          if (c !== undefined) firingByCheck.set(c, (firingByCheck.get(c) ?? 0) + 1);
        } else if (a.state === 'pending') pending++;
      }

      const byStatus: Record<string, number> = { ok: 0, warning: 0, critical: 0, unknown: 0, pending: 0 };
      const rows = checks.map((c, ci) => {
        const l = last.get(c.name);
        const status = l?.status ?? 'pending';
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        let r = 0;
        let u = 0;
        // Ratios rounded to 0.1%: the sparkline cannot show more, and the payload stays small.
        const spark: (number | null)[] = [];
        for (let h = 0; h < sparkHours; h++) {
          const hr = runs[ci * sparkHours + h]!;
          const hu = up[ci * sparkHours + h]!;
          r += hr;
          u += hu;
          spark.push(hr ? Math.round((hu / hr) * 1000) / 1000 : null);
        }
        return {
          name: c.name,
          kind: c.kind,
          labels: c.labels,
          status,
          lastAt: l?.at ?? null,
          lastMs: l ? Math.round(l.durationMs * 10) / 10 : null,
          // A passing check's message says nothing the status does not; failing ones say why.
          ...(l && status !== 'ok' ? { message: l.message } : {}),
          availability: r ? Math.round((u / r) * 100_000) / 100_000 : null,
          spark,
          firing: firingByCheck.get(c.name) ?? 0,
        };
      });

      return {
        generatedAt: now,
        sparkStart: first,
        sparkStepMs: resolutions.h,
        counts: {
          checks: checks.length,
          ...byStatus,
          firingAlerts: firing,
          pendingAlerts: pending,
          openIncidents: incidents.filter((i) => i.status === 'open').length,
          acknowledgedIncidents: incidents.filter((i) => i.status === 'acknowledged').length,
        },
        checks: rows,
      };
    });
  };

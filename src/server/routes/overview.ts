import type { FastifyPluginAsync } from 'fastify';
import { answered } from '../../checks/types.js';
import { bucketOf, resolutions } from '../../core/buckets.js';
import { Cached } from '../../services/cached.js';
import type { AppDeps } from '../deps.js';

/** Hourly sparkline: the 24 whole hours before this one plus the hour in progress. */
const sparkHours = 25;
/** How stale the sparklines may be: they show hours, and a run's status shows live anyway. */
const sparkTtlMs = 30_000;

/**
 * `GET /api/v1/overview`: everything the dashboard's first screen shows, in one
 * payload built from three aggregate reads (latest state, hourly rollups,
 * alerts in memory), however many checks there are — never a query per check.
 */
export const overviewRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const hourly = new Cached(
      () => {
        const now = deps.clock.now();
        return deps.store.rollups.grid(
          'h',
          bucketOf(now, 'h') - sparkHours * resolutions.h,
          now + resolutions.h,
        );
      },
      deps.clock,
      sparkTtlMs,
      (e) => app.log.error({ err: e }, 'reading the overview sparklines failed; showing the previous ones'),
    );
    // Every check's latest state as stored (other nodes' runs included), re-read at most every
    // 2 s; this node's own newer runs are laid over it from the monitor, so nothing shown is late.
    const stored = new Cached(() => deps.store.checks.all(), deps.clock, 2000);
    app.get('/overview', { schema: { response: { 200: overviewSchema } } }, async () => {
      const now = deps.clock.now();
      const first = bucketOf(now, 'h') - (sparkHours - 1) * resolutions.h;
      const [states, grid, incidents] = await Promise.all([
        stored.get(),
        hourly.get(),
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
      let down = 0;
      const rows = checks.map((c, ci) => {
        const run = deps.monitor.lastResult(c.name);
        const kept = last.get(c.name);
        const l =
          run && run.startedAt >= (kept?.at ?? 0)
            ? {
                at: run.startedAt,
                status: run.status,
                durationMs: run.durationMs,
                message: run.message,
                up: answered(run),
              }
            : kept;
        const status = l?.status ?? 'pending';
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        // Down is unreachable; a critical check that answered (a busy host) is in trouble, not down.
        if (l && !l.up) down++;
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
          up: l ? l.up : null,
          lastAt: l?.at ?? null,
          lastMs: l ? Math.round(l.durationMs * 10) / 10 : null,
          // A passing check's message says nothing the status does not; failing ones say why.
          ...(l && status !== 'ok' ? { message: l.message } : {}),
          availability: r ? Math.round((u / r) * 100_000) / 100_000 : null,
          spark,
          firing: firingByCheck.get(c.name) ?? 0,
          // run from several places: a warning is then a verdict below the quorum, "degraded"
          ...(c.locations ? { locations: c.locations.length } : {}),
        };
      });

      return {
        generatedAt: now,
        sparkStart: first,
        sparkStepMs: resolutions.h,
        counts: {
          checks: checks.length,
          ...byStatus,
          down,
          firingAlerts: firing,
          pendingAlerts: pending,
          openIncidents: incidents.filter((i) => i.status === 'open').length,
          acknowledgedIncidents: incidents.filter((i) => i.status === 'acknowledged').length,
        },
        checks: rows,
      };
    });
  };

const nullableNumber = { type: ['number', 'null'] } as const;

/**
 * The payload's shape, so Fastify serialises it with a compiled serialiser:
 * at 5,000 checks, generic JSON.stringify was a third of the request's time.
 */
const overviewSchema = {
  type: 'object',
  properties: {
    generatedAt: { type: 'number' },
    sparkStart: { type: 'number' },
    sparkStepMs: { type: 'number' },
    counts: { type: 'object', additionalProperties: { type: 'number' } },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          kind: { type: 'string' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          status: { type: 'string' },
          up: { type: ['boolean', 'null'] },
          lastAt: nullableNumber,
          lastMs: nullableNumber,
          message: { type: 'string' },
          availability: nullableNumber,
          spark: { type: 'array', items: nullableNumber },
          firing: { type: 'number' },
          locations: { type: 'number' },
        },
        required: [
          'name',
          'kind',
          'labels',
          'status',
          'up',
          'lastAt',
          'lastMs',
          'availability',
          'spark',
          'firing',
        ],
      },
    },
  },
} as const;

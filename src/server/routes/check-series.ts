import type { FastifyPluginAsync } from 'fastify';
import type { Resolution } from '../../core/buckets.js';
import { VigilError } from '../../errors.js';
import type { AppDeps } from '../deps.js';

/** Chart ranges and the rollup resolution each reads: at most ~2,200 points, whatever the range. */
const ranges: Record<string, { ms: number; res: Resolution }> = {
  '1h': { ms: 3_600_000, res: 'm' },
  '6h': { ms: 6 * 3_600_000, res: 'm' },
  '24h': { ms: 86_400_000, res: 'm' },
  '7d': { ms: 7 * 86_400_000, res: 'h' },
  '30d': { ms: 30 * 86_400_000, res: 'h' },
  '90d': { ms: 90 * 86_400_000, res: 'h' },
};

/**
 * `GET /api/v1/checks/:name/series?range=7d`: a check's latency and
 * availability from rollups as parallel columns (what uPlot draws), its alert
 * transitions in the range as chart markers, and its recent failures.
 */
export const checkSeriesRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { name: string }; Querystring: { range?: string } }>(
      '/checks/:name/series',
      async (req) => {
        const name = req.params.name;
        if (!deps.config().config.checks.some((c) => c.name === name)) {
          throw new VigilError('CHECK_NOT_FOUND', `no check named "${name}"`, {
            hint: 'GET /api/v1/checks lists the configured checks',
          });
        }
        const rangeName = req.query.range ?? '24h';
        const range = ranges[rangeName];
        if (!range) {
          throw new VigilError(
            'USAGE',
            `range must be one of ${Object.keys(ranges).join(', ')}, not "${rangeName}"`,
            { hint: 'e.g. ?range=7d' },
          );
        }
        const to = deps.clock.now();
        const from = to - range.ms;
        // deploy markers: changes to the service the check belongs to (its `service` label)
        const service = deps.config().config.checks.find((c) => c.name === name)?.labels.service;
        const [points, transitions, failures, changes] = await Promise.all([
          deps.store.rollups.series(name, range.res, from, to + 1),
          deps.store.alerts.history({ from, to, limit: 5000 }),
          deps.store.results.failures(name, from, to, 20),
          service ? deps.store.changes.list({ from, to, service, limit: 200 }) : [],
        ]);
        return {
          check: name,
          range: rangeName,
          from,
          to,
          resolution: range.res,
          series: {
            t: points.map((p) => p.bucket),
            avgMs: points.map((p) => round(p.avgDurationMs)),
            maxMs: points.map((p) => round(p.maxDurationMs)),
            availability: points.map((p) => (p.runs ? p.up / p.runs : null)),
          },
          alerts: transitions
            .filter((t) => t.labels.check === name)
            .map((t) => ({ at: t.at, rule: t.rule, from: t.from, to: t.to, value: t.value })),
          deploys: changes
            .filter((c) => c.startedAt !== null && c.startedAt >= from && c.startedAt <= to)
            .map((c) => ({
              at: c.startedAt!,
              id: c.id,
              title: c.title,
              version: c.version,
              status: c.status,
            })),
          failures: failures.map((f) => ({
            at: f.startedAt,
            status: f.status,
            up: f.up,
            durationMs: f.durationMs,
            message: f.message,
          })),
        };
      },
    );
  };

const round = (v: number) => Math.round(v * 10) / 10;

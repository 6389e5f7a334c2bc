import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { queryLimits } from '../../config/query.js';
import { parseDuration } from '../../core/duration.js';
import { instantQuery, PromQLError, rangeQuery } from '../../metrics/promql/index.js';
import type { AppDeps } from '../deps.js';

/**
 * Prometheus's HTTP query API (`/api/v1/query`, `/api/v1/query_range`) in its
 * own response format, so Grafana and other Prometheus clients can chart
 * Vigil's series as a Prometheus data source.
 */
export const queryRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    type Params = { query?: string; time?: string; start?: string; end?: string; step?: string };
    const param = (req: { query: Params; body?: unknown }, name: keyof Params): string | undefined => {
      const body = req.body && typeof req.body === 'object' ? (req.body as Params) : {};
      return req.query[name] ?? body[name];
    };

    // Read per request: SIGHUP may change the limits.
    const limits = () => queryLimits(deps.config().config.query);

    const instant = async (req: { query: Params; body?: unknown }, reply: FastifyReply) => {
      const query = param(req, 'query');
      if (!query) return badData(reply, 'parameter "query" is required');
      const time = parseTime(param(req, 'time'), deps.clock.now());
      if (time === undefined) return badData(reply, 'cannot parse "time"');
      try {
        const value = await instantQuery(deps.queryable, query, time, { limits: limits() });
        const data =
          value.type === 'vector'
            ? {
                resultType: 'vector',
                result: value.samples.map((s) => ({ metric: s.labels, value: pair(time, s.v) })),
              }
            : value.type === 'scalar'
              ? { resultType: 'scalar', result: pair(time, value.v) }
              : value.type === 'string'
                ? { resultType: 'string', result: [time / 1000, value.v] }
                : {
                    resultType: 'matrix',
                    result: value.series.map((s) => ({
                      metric: s.labels,
                      values: s.points.map((p) => pair(p.t, p.v)),
                    })),
                  };
        return { status: 'success', data };
      } catch (e) {
        return queryError(reply, e);
      }
    };

    const range = async (req: { query: Params; body?: unknown }, reply: FastifyReply) => {
      const query = param(req, 'query');
      const start = parseTime(param(req, 'start'), Number.NaN);
      const end = parseTime(param(req, 'end'), Number.NaN);
      const stepText = param(req, 'step') ?? '';
      const step = /^\d+(\.\d+)?$/.test(stepText) ? Number(stepText) * 1000 : parseDuration(stepText);
      if (!query) return badData(reply, 'parameter "query" is required');
      if (start === undefined || Number.isNaN(start)) return badData(reply, 'cannot parse "start"');
      if (end === undefined || Number.isNaN(end)) return badData(reply, 'cannot parse "end"');
      if (!step || step <= 0)
        return badData(reply, 'zero or negative query resolution step widths are not accepted');
      if (end < start) return badData(reply, 'end timestamp must not be before start time');
      const maxSteps = limits().maxSubquerySteps;
      if ((end - start) / step > maxSteps) {
        return badData(
          reply,
          `exceeded maximum resolution of ${maxSteps.toLocaleString('en-US')} points per timeseries. Try decreasing the query resolution (?step=XX)`,
        );
      }
      try {
        const matrix = await rangeQuery(deps.queryable, query, start, end, step, { limits: limits() });
        return {
          status: 'success',
          data: {
            resultType: 'matrix',
            result: matrix.series.map((s) => ({
              metric: s.labels,
              values: s.points.map((p) => pair(p.t, p.v)),
            })),
          },
        };
      } catch (e) {
        return queryError(reply, e);
      }
    };

    app.get<{ Querystring: Params }>('/query', instant);
    app.post<{ Querystring: Params }>('/query', { config: { auth: 'read' } }, instant);
    app.get<{ Querystring: Params }>('/query_range', range);
    app.post<{ Querystring: Params }>('/query_range', { config: { auth: 'read' } }, range);
  };

/** Prometheus writes values as strings, timestamps as float seconds. */
function pair(t: number, v: number): [number, string] {
  return [t / 1000, Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v)];
}

function parseTime(text: string | undefined, fallback: number): number | undefined {
  if (text === undefined || text === '') return fallback;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

function badData(reply: FastifyReply, error: string) {
  return reply.status(400).send({ status: 'error', errorType: 'bad_data', error });
}

function queryError(reply: FastifyReply, e: unknown) {
  if (e instanceof PromQLError && e.kind !== 'eval') return badData(reply, e.message);
  return reply
    .status(422)
    .send({ status: 'error', errorType: 'execution', error: e instanceof Error ? e.message : String(e) });
}

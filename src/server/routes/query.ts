import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { queryLimits } from '../../config/query.js';
import { instantQuery, parsePromQL, type QueryOptions, rangeQuery } from '../../metrics/promql/index.js';
import type { AppDeps } from '../deps.js';
import {
  acceptForms,
  BadParam,
  invalidParam,
  param,
  parsePromDuration,
  parsePromTime,
  promError,
} from '../prom-api.js';

/**
 * Prometheus's HTTP query API (`/api/v1/query`, `/api/v1/query_range`,
 * `/api/v1/format_query`) in its own parameters and response format, by GET
 * or by a POSTed form as promtool and Grafana send them, so Prometheus
 * clients chart Vigil's series. The guide's `80%` is accepted here as in
 * alert conditions: `x > 5%` is not valid PromQL, so no query changes meaning.
 */
export const queryRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    acceptForms(app);

    // Read per request: SIGHUP may change the limits.
    const limits = () => queryLimits(deps.config().config.query);

    const options = (req: FastifyRequest): QueryOptions => {
      const lookback = param(req, 'lookback_delta');
      return {
        percentLiterals: true,
        limits: limits(),
        ...(lookback ? { lookbackDeltaMs: parsePromDuration('lookback_delta', lookback) } : {}),
      };
    };

    const instant = async (req: FastifyRequest, reply: FastifyReply) => {
      const query = param(req, 'query') ?? '';
      try {
        const time = parsePromTime('time', param(req, 'time'), deps.clock.now());
        const value = await instantQuery(deps.queryable, query, time, options(req));
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
        return promError(reply, e, query);
      }
    };

    const range = async (req: FastifyRequest, reply: FastifyReply) => {
      const query = param(req, 'query') ?? '';
      try {
        const start = parsePromTime('start', param(req, 'start') ?? '', Number.NaN);
        const end = parsePromTime('end', param(req, 'end') ?? '', Number.NaN);
        if (Number.isNaN(start)) throw invalidParam('start', 'cannot parse "" to a valid timestamp');
        if (Number.isNaN(end)) throw invalidParam('end', 'cannot parse "" to a valid timestamp');
        if (end < start) throw invalidParam('end', 'end timestamp must not be before start time');
        const step = parsePromDuration('step', param(req, 'step'));
        if (step <= 0) {
          throw invalidParam(
            'step',
            'zero or negative query resolution step widths are not accepted. Try a positive integer',
          );
        }
        const maxSteps = limits().maxSubquerySteps;
        if ((end - start) / step > maxSteps) {
          throw new BadParam(
            `exceeded maximum resolution of ${maxSteps.toLocaleString('en-US')} points per timeseries. Try decreasing the query resolution (?step=XX)`,
          );
        }
        const matrix = await rangeQuery(deps.queryable, query, start, end, step, options(req));
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
        return promError(reply, e, query);
      }
    };

    // Validates and answers the expression with its whitespace tidied; Vigil has no pretty-printer of its own.
    const format = async (req: FastifyRequest, reply: FastifyReply) => {
      const query = param(req, 'query') ?? '';
      try {
        parsePromQL(query, { percentLiterals: true });
        return { status: 'success', data: tidy(query) };
      } catch (e) {
        return promError(reply, e, query);
      }
    };

    // A query never changes anything, whatever the method.
    const read = { config: { auth: 'read' as const } };
    for (const [path, handler] of [
      ['/query', instant],
      ['/query_range', range],
      ['/format_query', format],
    ] as const) {
      app.get(path, read, handler);
      app.post(path, read, handler);
    }
  };

/** Prometheus writes values as strings, timestamps as float seconds. */
function pair(t: number, v: number): [number, string] {
  return [t / 1000, Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v)];
}

/** Collapses runs of whitespace outside string literals and drops comments. */
function tidy(query: string): string {
  let out = '';
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < query.length && query[j] !== c) j += query[j] === '\\' && c !== '`' ? 2 : 1;
      out += query.slice(i, j + 1);
      i = j;
    } else if (c === '#') {
      while (i < query.length && query[i] !== '\n') i++;
      out += ' ';
    } else if (/\s/.test(c)) {
      if (!out.endsWith(' ')) out += ' ';
    } else out += c;
  }
  return out.trim();
}

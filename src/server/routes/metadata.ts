import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { compileMatchers } from '../../metrics/promql/matchers.js';
import type { Labels } from '../../metrics/types.js';
import type { AppDeps } from '../deps.js';
import type { ExposedSample } from '../exposition.js';
import {
  acceptForms,
  BadParam,
  matchSelectors,
  maxTime,
  minTime,
  param,
  parsePromTime,
  promError,
} from '../prom-api.js';
import { prometheusBuildInfo } from '../prom-buildinfo.js';
import { seriesMetadata } from '../series-metadata.js';

/**
 * The metadata half of Prometheus's HTTP API, which Grafana's Prometheus data
 * source and `promtool query series|labels` call: label names and values and
 * series (each narrowed by `match[]`, `start` and `end`), metric metadata,
 * exemplars (Vigil keeps none), build info. All are reads, whatever the method.
 */
export const metadataRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    acceptForms(app);
    const read = { config: { auth: 'read' as const } };

    /** Label sets with a sample in [start, end] matching any selector (all when none). */
    const selected = async (req: FastifyRequest, matchRequired: boolean): Promise<Labels[]> => {
      const selectors = matchSelectors(req, matchRequired);
      const startText = param(req, 'start');
      const endText = param(req, 'end');
      const start = parsePromTime('start', startText, minTime);
      const end = parsePromTime('end', endText, maxTime);
      if (end < start)
        throw new BadParam('invalid parameter "end": end timestamp must not be before start time');
      if (startText === undefined && endText === undefined) {
        // No time range: every series the store knows, without reading a sample.
        const all = await deps.store.samples.series();
        if (!selectors) return all;
        const tests = selectors.map((m) => compileMatchers(m));
        return all.filter((l) => tests.some((t) => t(l)));
      }
      const byKey = new Map<string, Labels>();
      for (const matchers of selectors ?? [[{ name: '__name__', type: '=~' as const, value: '.+' }]]) {
        for (const s of await deps.queryable.select(matchers, start, end)) {
          if (s.points.some((p) => !p.stale)) byKey.set(JSON.stringify(sorted(s.labels)), s.labels);
        }
      }
      return [...byKey.values()];
    };

    const limited = <T>(req: FastifyRequest, list: T[]): T[] => {
      const limit = Number(param(req, 'limit') ?? 0);
      return limit > 0 ? list.slice(0, limit) : list;
    };

    const labels = async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const names = new Set<string>();
        for (const l of await selected(req, false)) for (const k of Object.keys(l)) names.add(k);
        return { status: 'success', data: limited(req, [...names].sort()) };
      } catch (e) {
        return promError(reply, e);
      }
    };
    app.get('/labels', read, labels);
    app.post('/labels', read, labels);

    app.get<{ Params: { name: string } }>('/label/:name/values', read, async (req, reply) => {
      try {
        const name = labelName(req.params.name);
        const values = new Set<string>();
        for (const l of await selected(req, false)) {
          const v = l[name];
          if (v !== undefined) values.add(v);
        }
        return { status: 'success', data: limited(req, [...values].sort()) };
      } catch (e) {
        return promError(reply, e);
      }
    });

    const series = async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const list = (await selected(req, true)).map(sorted);
        list.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
        return { status: 'success', data: limited(req, list) };
      } catch (e) {
        return promError(reply, e);
      }
    };
    app.get('/series', read, series);
    app.post('/series', read, series);

    app.get('/metadata', read, async (req) => {
      const metric = param(req, 'metric');
      // The latest samples know scraped TYPE and HELP; the store knows every name that can be queried.
      const latest: readonly ExposedSample[] = deps.monitor.latestSamples();
      const members = new Set(latest.filter((l) => l.meta).map((l) => l.name));
      const stored = (await deps.store.samples.series())
        .map((l) => ({ name: l.__name__ ?? '', value: 0 }))
        .filter((l) => l.name && !members.has(l.name));
      const all = seriesMetadata([...latest, ...stored]);
      const data = metric === undefined ? all : Object.hasOwn(all, metric) ? { [metric]: all[metric]! } : {};
      const limit = Number(param(req, 'limit') ?? 0);
      return {
        status: 'success',
        data: limit > 0 ? Object.fromEntries(Object.entries(data).slice(0, limit)) : data,
      };
    });

    // Vigil keeps no exemplars; the parameters are still checked, as a client's mistakes should show.
    const exemplars = async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        parsePromTime('start', param(req, 'start'), minTime);
        parsePromTime('end', param(req, 'end'), maxTime);
        return { status: 'success', data: [] };
      } catch (e) {
        return promError(reply, e);
      }
    };
    app.get('/query_exemplars', read, exemplars);
    app.post('/query_exemplars', read, exemplars);

    app.get('/status/buildinfo', read, async () => ({
      status: 'success',
      data: prometheusBuildInfo(deps.version),
    }));
  };

/** Grafana escapes names that are not legacy label names as `U__…`; Vigil's names are all legacy. */
function labelName(name: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) {
    throw new BadParam(`invalid label name: ${JSON.stringify(name)}`);
  }
  return name;
}

function sorted(labels: Labels): Labels {
  return Object.fromEntries(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]!]),
  );
}

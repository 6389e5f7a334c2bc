import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseDuration } from '../core/duration.js';
import { PromQLError, parsePromQL } from '../metrics/promql/index.js';
import type { Matcher } from '../metrics/types.js';

/**
 * What Prometheus's HTTP API shares between its endpoints: parameters from the
 * query string and a form body alike (promtool and Grafana POST forms), its
 * time and duration notations, and its error shape.
 */
export type PromParams = Record<string, string | string[] | undefined>;

/**
 * Accepts `application/x-www-form-urlencoded` bodies in this plugin's scope
 * only, keeping repeated keys (`match[]`) as arrays, as Go's url.Values does.
 */
export function acceptForms(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(body as string)) {
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    done(null, out);
  });
}

/** All values of a parameter, from the query string first, then the body. */
export function paramAll(req: FastifyRequest, name: string): string[] {
  const from = (o: unknown): string[] => {
    if (!o || typeof o !== 'object') return [];
    const v = (o as PromParams)[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  return [...from(req.query), ...from(req.body)];
}

export function param(req: FastifyRequest, name: string): string | undefined {
  return paramAll(req, name)[0];
}

/** A parameter Prometheus refused: HTTP 400, errorType bad_data, its message. */
export class BadParam extends Error {}

export function invalidParam(name: string, message: string): BadParam {
  return new BadParam(`invalid parameter ${JSON.stringify(name)}: ${message}`);
}

/** The widest times JavaScript dates hold, for an absent start and end (Prometheus uses its own extremes). */
export const minTime = -8.64e15;
export const maxTime = 8.64e15;

/** Unix seconds (with a fraction) or RFC 3339, as Prometheus reads `time`, `start` and `end`. */
export function parsePromTime(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const s = Number(text);
    if (Number.isFinite(s)) return Math.round(s * 1000);
  }
  if (/^\d{4}-\d\d-\d\dT/.test(text)) {
    const t = Date.parse(text);
    if (!Number.isNaN(t)) return t;
  }
  throw invalidParam(name, `cannot parse ${JSON.stringify(text)} to a valid timestamp`);
}

/** Float seconds or a Prometheus duration (`15s`, `1m30s`), in milliseconds. */
export function parsePromDuration(name: string, text: string | undefined): number {
  const t = text ?? '';
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) return Math.round(Number(t) * 1000);
  const d = parseDuration(t);
  if (d !== undefined && Number.isFinite(d)) return d;
  throw invalidParam(name, `cannot parse ${JSON.stringify(t)} to a valid duration`);
}

/**
 * A PromQL failure in Prometheus's words: `1:6: parse error: …`, where the
 * column counts from 1 within the line, as Prometheus's ParseErr prints it.
 * Type errors are parse errors there too; evaluation errors are not.
 */
export function promqlErrorText(e: PromQLError, query: string): string {
  const message = e.message.replace(/ at position \d+$/, '');
  if (!e.position) return `parse error: ${message}`;
  const before = query.slice(0, e.position.from);
  const line = before.split('\n').length;
  const col = e.position.from - before.lastIndexOf('\n');
  return `${line}:${col}: parse error: ${message}`;
}

/** The selectors of `match[]`, each a list of matchers, refused as Prometheus refuses them. */
export function matchSelectors(req: FastifyRequest, required: boolean): Matcher[][] | undefined {
  const texts = paramAll(req, 'match[]');
  if (!texts.length) {
    if (required) throw new BadParam('no match[] parameter provided');
    return undefined;
  }
  return texts.map((text) => {
    let expr: ReturnType<typeof parsePromQL>;
    try {
      expr = parsePromQL(text);
    } catch (e) {
      if (e instanceof PromQLError) throw invalidParam('match[]', promqlErrorText(e, text));
      throw e;
    }
    if (expr.kind !== 'vectorSelector') {
      throw invalidParam('match[]', '1:1: parse error: expected a vector selector, as `up{job="api"}`');
    }
    return expr.matchers;
  });
}

/** Prometheus's error body; `bad_data` is a 400, `execution` a 422. */
export function promError(reply: FastifyReply, e: unknown, query?: string) {
  if (e instanceof BadParam) {
    return reply.status(400).send({ status: 'error', errorType: 'bad_data', error: e.message });
  }
  if (e instanceof PromQLError && e.kind !== 'eval') {
    const text = promqlErrorText(e, query ?? '');
    return reply
      .status(400)
      .send({ status: 'error', errorType: 'bad_data', error: `invalid parameter "query": ${text}` });
  }
  return reply
    .status(422)
    .send({ status: 'error', errorType: 'execution', error: e instanceof Error ? e.message : String(e) });
}

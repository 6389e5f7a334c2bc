import { redactUrl } from '../config/redact.js';
import { FingerprintTable } from './fingerprint.js';
import { type Level, levelOf } from './levels.js';
import type { ScanReport } from './scan.js';

/** Where central logs live: Grafana Loki or Elasticsearch/OpenSearch. */
export type RemoteLogSource =
  | {
      kind: 'loki';
      url: string;
      /** a LogQL query, at least a stream selector: {app="shop"} */
      query: string;
      headers?: Record<string, string>;
    }
  | {
      kind: 'elasticsearch';
      url: string;
      /** an index or pattern: logs-*, filebeat-* */
      index: string;
      /** a Lucene query string added to the time range, e.g. service.name:shop */
      query?: string;
      /** the time field (ECS and Beats: @timestamp) */
      timeField?: string;
      headers?: Record<string, string>;
    };

export interface RemoteScanOptions {
  since: number;
  now: number;
  levels?: readonly string[];
  top?: number;
  /** per request */
  timeoutMs?: number;
  /** lines per page (Loki's limit, Elasticsearch's size) */
  pageSize?: number;
  /** stop after this many lines, so a flood cannot hold the scan for ever */
  maxLines?: number;
  fetch?: typeof globalThis.fetch;
}

/** A remote that did not answer as its API says: the scan failed, with why. */
export class RemoteLogError extends Error {}

const levelWord = (v: unknown): Level | undefined =>
  typeof v === 'string' ? levelOf(`level=${v.toLowerCase()}`) : undefined;

async function request(
  doFetch: typeof globalThis.fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  what: string,
): Promise<unknown> {
  let res: Response;
  try {
    res = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const err = e as Error;
    throw new RemoteLogError(
      err.name === 'TimeoutError'
        ? `${what} did not answer within ${timeoutMs / 1000} s`
        : `${what} could not be reached: ${(err as Error & { cause?: Error }).cause?.message ?? err.message}`,
    );
  }
  const body = await res.text();
  if (!res.ok) throw new RemoteLogError(`${what} answered ${res.status}: ${body.slice(0, 200).trim()}`);
  try {
    return JSON.parse(body);
  } catch {
    throw new RemoteLogError(`${what} answered with something that is not JSON`);
  }
}

/**
 * fetch refuses a URL with credentials in it: `https://user:pass@es:9200` becomes the URL
 * without them and a Basic authorization header.
 */
function endpoint(url: string): { base: string; shown: string; auth: Record<string, string> } {
  const u = new URL(url);
  const auth: Record<string, string> = {};
  if (u.username || u.password) {
    auth.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  const base = u.toString().replace(/\/+$/, '');
  return { base, shown: redactUrl(url.replace(/\/+$/, '')), auth };
}

interface Sink {
  table: FingerprintTable;
  counts: Record<string, number>;
  wanted: Set<string>;
  lines: number;
  bytes: number;
}

function take(s: Sink, level: Level | undefined, line: string, at: number, message = line) {
  s.lines++;
  s.bytes += line.length + 1;
  if (!level || !s.wanted.has(level)) return;
  s.counts[level] = (s.counts[level] ?? 0) + 1;
  s.table.add(level, line, at, message);
}

/**
 * Loki's `GET /loki/api/v1/query_range` over [since, now], forward, paged by moving `start`
 * past the last entry of a full page. A stream's `level` or `detected_level` label gives the
 * level, else the line's own words do.
 */
async function scanLoki(src: Extract<RemoteLogSource, { kind: 'loki' }>, o: RemoteScanOptions, s: Sink) {
  const doFetch = o.fetch ?? globalThis.fetch;
  const limit = o.pageSize ?? 5000;
  let startNs = BigInt(o.since) * 1_000_000n;
  const endNs = BigInt(o.now) * 1_000_000n;
  const { base, shown, auth } = endpoint(src.url);
  for (;;) {
    const qs = new URLSearchParams({
      query: src.query,
      start: startNs.toString(),
      end: endNs.toString(),
      limit: String(limit),
      direction: 'forward',
    });
    const doc = (await request(
      doFetch,
      `${base}/loki/api/v1/query_range?${qs}`,
      { headers: { accept: 'application/json', ...auth, ...src.headers } },
      o.timeoutMs ?? 30_000,
      `Loki at ${shown}`,
    )) as {
      status?: string;
      data?: {
        resultType?: string;
        result?: { stream?: Record<string, string>; values?: [string, string][] }[];
      };
    };
    if (doc.status !== 'success' || doc.data?.resultType !== 'streams' || !Array.isArray(doc.data.result))
      throw new RemoteLogError(`Loki at ${shown} did not answer with streams (is the query a log query?)`);
    const entries: { ns: bigint; line: string; level?: Level }[] = [];
    for (const st of doc.data.result) {
      const label = levelWord(st.stream?.level ?? st.stream?.detected_level);
      for (const [ns, line] of st.values ?? [])
        entries.push({ ns: BigInt(ns), line, ...(label ? { level: label } : {}) });
    }
    entries.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
    for (const e of entries) take(s, e.level ?? levelOf(e.line), e.line, Number(e.ns / 1_000_000n));
    if (entries.length < limit || s.lines >= (o.maxLines ?? 1_000_000)) return;
    // the next page starts after the last entry seen (entries sharing its nanosecond are rare)
    startNs = entries.at(-1)!.ns + 1n;
  }
}

const field = (doc: Record<string, unknown>, dotted: string): unknown => {
  if (dotted in doc) return doc[dotted];
  let cur: unknown = doc;
  for (const part of dotted.split('.')) cur = (cur as Record<string, unknown> | undefined)?.[part];
  return cur;
};

/**
 * Elasticsearch/OpenSearch `POST /<index>/_search`: a range on the time field (and the query
 * string, if any), sorted by time, paged with `search_after` on each page's last sort values.
 * The level is ECS's `log.level` (or `level`, `severity`), the message `message`.
 */
async function scanElasticsearch(
  src: Extract<RemoteLogSource, { kind: 'elasticsearch' }>,
  o: RemoteScanOptions,
  s: Sink,
) {
  const doFetch = o.fetch ?? globalThis.fetch;
  const size = o.pageSize ?? 1000;
  const tf = src.timeField ?? '@timestamp';
  const { base, shown, auth } = endpoint(src.url);
  let after: unknown[] | undefined;
  for (;;) {
    const body = {
      size,
      track_total_hits: false,
      query: {
        bool: {
          filter: [
            {
              range: {
                [tf]: {
                  gte: new Date(o.since).toISOString(),
                  lt: new Date(o.now).toISOString(),
                  format: 'strict_date_optional_time',
                },
              },
            },
            ...(src.query ? [{ query_string: { query: src.query } }] : []),
          ],
        },
      },
      sort: [{ [tf]: { order: 'asc' } }, { _doc: { order: 'asc' } }],
      ...(after ? { search_after: after } : {}),
    };
    const doc = (await request(
      doFetch,
      `${base}/${encodeURIComponent(src.index).replace(/%2C/g, ',').replace(/%2A/g, '*')}/_search`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...auth, ...src.headers },
        body: JSON.stringify(body),
      },
      o.timeoutMs ?? 30_000,
      `Elasticsearch at ${shown}`,
    )) as {
      timed_out?: boolean;
      hits?: { hits?: { _source?: Record<string, unknown>; sort?: unknown[] }[] };
    };
    const hits = doc.hits?.hits;
    if (!Array.isArray(hits)) throw new RemoteLogError(`Elasticsearch at ${shown} answered without hits`);
    if (doc.timed_out)
      throw new RemoteLogError(`Elasticsearch at ${shown} timed out on the search (timed_out: true)`);
    for (const h of hits) {
      const src_ = h._source ?? {};
      const message = String(field(src_, 'message') ?? JSON.stringify(src_));
      const level =
        levelWord(field(src_, 'log.level') ?? field(src_, 'level') ?? field(src_, 'severity')) ??
        levelOf(message);
      const at = Date.parse(String(field(src_, tf) ?? ''));
      take(s, level, message, Number.isFinite(at) ? at : o.since, message);
    }
    if (hits.length < size || s.lines >= (o.maxLines ?? 1_000_000)) return;
    after = hits.at(-1)?.sort;
    if (!after) throw new RemoteLogError(`Elasticsearch at ${shown} returned hits without sort values`);
  }
}

/** The morning review over central logs: the same report as a file or journal scan. */
export async function scanRemote(
  src: RemoteLogSource,
  o: RemoteScanOptions,
): Promise<ScanReport & { lines: number }> {
  const s: Sink = {
    table: new FingerprintTable(),
    counts: {},
    wanted: new Set(o.levels ?? ['fatal', 'error']),
    lines: 0,
    bytes: 0,
  };
  if (src.kind === 'loki') await scanLoki(src, o, s);
  else await scanElasticsearch(src, o, s);
  const name =
    src.kind === 'loki'
      ? `loki ${src.query}`
      : `elasticsearch ${src.index}${src.query ? ` (${src.query})` : ''}`;
  return {
    since: o.since,
    until: o.now,
    files: [{ path: name, bytes: s.bytes }],
    bytes: s.bytes,
    counts: s.counts,
    truncated: 0,
    fingerprints: s.table.top(o.top ?? 10),
    distinctTemplates: s.table.size,
    lines: s.lines,
  };
}

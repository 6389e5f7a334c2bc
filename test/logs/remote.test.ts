import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logCheck } from '../../src/checks/log.js';
import { main } from '../../src/cli/main.js';
import { scanRemote } from '../../src/logs/scan-remote.js';
import { makeCtx } from '../checks/ctx.js';
import { captureIo } from '../cli/io.js';

const now = Date.UTC(2026, 11, 5, 8);
const min = 60_000;

/** Log records of two apps over the last hour: shop logs an error every 10 minutes. */
const records = Array.from({ length: 60 }, (_, i) => {
  const at = now - (60 - i) * min;
  const app = i % 2 ? 'shop' : 'billing';
  const level = i % 10 === 1 ? 'error' : i % 7 === 0 ? 'warn' : 'info';
  return {
    at,
    app,
    level,
    message: level === 'error' ? `payment ${4400 + i} declined by gateway` : `request ${i} served`,
  };
});

const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => resolve(b));
  });

/**
 * Loki's GET /loki/api/v1/query_range as its HTTP API documents it: `query` (a stream selector
 * here, label equality only), `start`/`end` in nanoseconds, `limit`, `direction`; the answer is
 * `{status, data: {resultType: "streams", result: [{stream, values: [[ns, line]]}]}}`.
 */
function loki(asked: URLSearchParams[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/loki/api/v1/query_range') return res.writeHead(404).end('404 page not found');
    asked.push(u.searchParams);
    const sel = /^\{(\w+)="([^"]*)"\}$/.exec(u.searchParams.get('query') ?? '');
    if (!sel)
      return res.writeHead(400).end('parse error at line 1, col 1: syntax error: unexpected IDENTIFIER');
    const start = BigInt(u.searchParams.get('start')!);
    const end = BigInt(u.searchParams.get('end')!);
    const limit = Number(u.searchParams.get('limit') ?? 100);
    const hits = records
      .filter((r) => (sel[1] === 'app' ? r.app === sel[2] : false))
      .filter((r) => BigInt(r.at) * 1_000_000n >= start && BigInt(r.at) * 1_000_000n < end)
      .slice(0, limit);
    const streams = new Map<string, [string, string][]>();
    for (const r of hits) {
      const key = r.level;
      streams.set(key, [
        ...(streams.get(key) ?? []),
        [`${BigInt(r.at) * 1_000_000n}`, `${new Date(r.at).toISOString()} ${r.message}`],
      ]);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        status: 'success',
        data: {
          resultType: 'streams',
          result: [...streams].map(([level, values]) => ({ stream: { app: sel[2], level }, values })),
          stats: {},
        },
      }),
    );
  };
}

/**
 * Elasticsearch's POST /<index>/_search: a bool filter of a range on @timestamp (and a
 * query_string of the form field:value), sort by @timestamp then _doc, `size`, `search_after`;
 * hits carry `_source` and their `sort` values.
 */
function elasticsearch(pages: unknown[]) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const m = /^\/([^/]+)\/_search$/.exec(u.pathname);
    if (req.method !== 'POST' || !m) return res.writeHead(405).end();
    const q = JSON.parse(await body(req));
    pages.push(q);
    const range = q.query.bool.filter[0].range['@timestamp'];
    const qs = q.query.bool.filter[1]?.query_string?.query as string | undefined;
    const [field, value] = qs ? qs.split(':') : [];
    const docs = records
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.at >= Date.parse(range.gte) && r.at < Date.parse(range.lt))
      .filter(({ r }) => !field || (field === 'service.name' && r.app === value))
      .filter(
        ({ r, i }) =>
          !q.search_after ||
          r.at > q.search_after[0] ||
          (r.at === q.search_after[0] && i > q.search_after[1]),
      )
      .slice(0, q.size);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        took: 3,
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: {
          hits: docs.map(({ r, i }) => ({
            _index: m[1],
            _id: `id${i}`,
            _score: null,
            _source: {
              '@timestamp': new Date(r.at).toISOString(),
              message: r.message,
              log: { level: r.level },
              service: { name: r.app },
            },
            sort: [r.at, i],
          })),
        },
      }),
    );
  };
}

describe('central logs: Loki and Elasticsearch as sources', () => {
  const lokiAsked: URLSearchParams[] = [];
  const esAsked: { size: number; search_after?: unknown[] }[] = [];
  let lk: Awaited<ReturnType<typeof listen>>;
  let es: Awaited<ReturnType<typeof listen>>;
  let silent: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    lk = await listen(loki(lokiAsked));
    es = await listen(elasticsearch(esAsked as unknown[]));
    silent = await listen(() => {
      /* never answers: a Loki or Elasticsearch that hangs */
    });
  });
  afterAll(async () => {
    for (const s of [lk, es, silent]) {
      s.server.closeAllConnections();
      await new Promise<void>((r) => s.server.close(() => r()));
    }
  });

  it('Loki: query_range paged forward by start, levels from the stream labels', async () => {
    const r = await scanRemote(
      { kind: 'loki', url: lk.url, query: '{app="shop"}' },
      { since: now - 60 * min, now, levels: ['error', 'warn'], pageSize: 7 },
    );
    expect(r.lines).toBe(30);
    expect(r.counts).toEqual({ error: 6, warn: 3 });
    expect(r.fingerprints[0]).toMatchObject({ level: 'error', count: 6 });
    expect(r.fingerprints[0]!.template).toContain('declined by gateway');
    expect(lokiAsked.length).toBe(5); // 7+7+7+7+2
    expect(lokiAsked[0]!.get('direction')).toBe('forward');
    expect(lokiAsked[0]!.get('start')).toBe(`${BigInt(now - 60 * min) * 1_000_000n}`);
    expect(BigInt(lokiAsked[1]!.get('start')!)).toBeGreaterThan(BigInt(lokiAsked[0]!.get('start')!));
  });

  it('Elasticsearch: a time range and a query string, paged with search_after', async () => {
    const r = await scanRemote(
      { kind: 'elasticsearch', url: es.url, index: 'logs-*', query: 'service.name:shop' },
      { since: now - 60 * min, now, pageSize: 8 },
    );
    expect(r.lines).toBe(30);
    expect(r.counts).toEqual({ error: 6 });
    expect(esAsked.map((q) => q.size)).toEqual([8, 8, 8, 8]);
    expect(esAsked[0]!.search_after).toBeUndefined();
    expect(esAsked[1]!.search_after).toEqual([now - 45 * min, 15]);
  });

  it('the log check reads Loki since its previous run, into the usual series', async () => {
    const spec = logCheck.schema.parse({ loki: { url: lk.url, query: '{app="shop"}' }, first_window: '30m' });
    const ctx = makeCtx({ now: () => now - 20 * min });
    const first = await logCheck.run(spec, ctx);
    expect(first.status).toBe('ok');
    expect(first.message).toMatch(
      /^15 new records \(3 error, 1 warn\) in loki \{app="shop"\}; most often: payment .* declined by gateway$/,
    );
    const second = await logCheck.run(spec, { ...ctx, now: () => now });
    expect(second.message).toMatch(/^10 new records \(2 error, 1 warn\)/);
    expect(second.samples).toContainEqual({
      name: 'log_lines_total',
      labels: { source: '{app="shop"}' },
      value: 25,
    });
    expect(second.samples).toContainEqual({
      name: 'log_matches_total',
      labels: { source: '{app="shop"}', level: 'error' },
      value: 5,
    });
  });

  it('a Loki that times out is unknown, and the next run still covers the window', async () => {
    const spec = logCheck.schema.parse({ loki: { url: silent.url, query: '{app="shop"}' } });
    const ctx = makeCtx({ timeoutMs: 200, now: () => now });
    const out = await logCheck.run(spec, ctx);
    expect(out).toEqual({ status: 'unknown', message: `Loki at ${silent.url} did not answer within 0.2 s` });
    expect(await ctx.state.get()).toBeUndefined();
  });

  it('vigil logs scan --elasticsearch and --loki; a hanging server is a clear error', async () => {
    const c = captureIo('/');
    const code = await main(
      [
        'node',
        'vigil',
        'logs',
        'scan',
        '--elasticsearch',
        es.url,
        '--index',
        'logs-*',
        '--since',
        new Date(now - 60 * min).toISOString(),
        '--json',
      ],
      c.io,
    );
    expect(code).toBe(0);
    const j = JSON.parse(c.stdout());
    expect(j.files).toEqual([{ path: 'elasticsearch logs-*', bytes: expect.any(Number) }]);
    expect(j.counts).toEqual({ error: 6 });

    const bad = captureIo('/');
    expect(
      await main(['node', 'vigil', 'logs', 'scan', '--loki', lk.url, '--query', 'app=shop'], bad.io),
    ).toBe(3);
    expect(bad.stderr()).toMatch(/Loki at .* answered 400: parse error/);
    expect(await main(['node', 'vigil', 'logs', 'scan', '--loki', lk.url], captureIo('/').io)).toBe(2);
  });

  it('credentials in the URL go as Basic auth and never into a message', async () => {
    const seen: (string | undefined)[] = [];
    const guarded = await listen((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"security_exception"}');
    });
    const url = guarded.url.replace('http://', 'http://elastic:s3cret-pass@');
    const err = await scanRemote(
      { kind: 'elasticsearch', url, index: 'logs' },
      { since: now - min, now },
    ).catch((e: Error) => e);
    expect(seen).toEqual([`Basic ${Buffer.from('elastic:s3cret-pass').toString('base64')}`]);
    expect((err as Error).message).toBe(
      `Elasticsearch at ${guarded.url.replace('http://', 'http://elastic:***@')} answered 401: {"error":"security_exception"}`,
    );
    await new Promise<void>((r) => guarded.server.close(() => r()));
  });

  it('Elasticsearch that times out its search says so', async () => {
    const slow = await listen((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ took: 30000, timed_out: true, hits: { hits: [] } }));
    });
    await expect(
      scanRemote({ kind: 'elasticsearch', url: slow.url, index: 'logs' }, { since: now - min, now }),
    ).rejects.toThrow('timed out on the search (timed_out: true)');
    await new Promise<void>((r) => slow.server.close(() => r()));
  });
});

import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { duration } from '../config/types.js';
import { type LinearRegex, linearRegex } from '../core/linear-regex.js';
import { describe } from '../errors.js';
import type { CheckKind, KindOutcome, Sample } from './types.js';

/** Status expectations: 200, "2xx", "200-299"; default 2xx, as blackbox_exporter does. */
const statusSpec = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^[1-5]xx$|^\d{3}-\d{3}$|^\d{3}$/, 'write a status as 200, "2xx" or "200-299"'),
]);

const schema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL' }),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  follow_redirects: z.boolean().default(true),
  max_redirects: z.number().int().min(0).max(20).default(10),
  /**
   * `false` (default) opens a fresh connection per probe, like blackbox_exporter,
   * so connect and TLS times are measured and a server that stops accepting
   * connections is noticed. `true` reuses one kept-alive connection: cheaper.
   */
  keepalive: z.boolean().default(false),
  insecure_skip_verify: z.boolean().default(false),
  expect: z
    .strictObject({
      status: z.union([statusSpec, z.array(statusSpec).min(1)]).default('2xx'),
      body_contains: z.union([z.string(), z.array(z.string())]).optional(),
      body_regex: z
        .string()
        .superRefine((r, ctx) => {
          const problem = regexProblem(r);
          if (problem)
            ctx.addIssue({
              code: 'custom',
              message: `not a valid regular expression: ${problem}`,
              params: { hint: 'JavaScript syntax without lookaround or backreferences' },
            });
        })
        .optional(),
      max_latency: duration().optional(),
    })
    .default({ status: '2xx' }),
});

export type HttpSpec = z.output<typeof schema>;

/** Bodies are matched on their first MiB; the rest is read and dropped. */
const maxBodyKept = 1024 * 1024;

export const httpCheck: CheckKind<HttpSpec> = {
  schema,
  series: [
    'http_status_code',
    'http_duration_seconds',
    'http_content_length_bytes',
    'http_redirects',
    'http_request_failed',
  ],
  target: (spec) => `${spec.method} ${spec.url}`,
  async run(spec, ctx) {
    const started = performance.now();
    let url = new URL(spec.url);
    let hops = 0;
    for (;;) {
      let res: Response;
      try {
        res = await request(url, spec, ctx.signal, agentFor(spec, url, ctx.memo));
      } catch (e) {
        const timedOut = ctx.signal.aborted;
        return {
          status: 'critical',
          message: timedOut ? `timed out after ${ctx.timeoutMs}ms` : `request failed: ${describe(e)}`,
          durationMs: performance.now() - started,
          samples: [{ name: 'http_request_failed', value: 1 }],
        };
      }
      const location = res.headers.location;
      if (spec.follow_redirects && res.status >= 300 && res.status < 400 && typeof location === 'string') {
        if (hops >= spec.max_redirects) {
          return judge(
            spec,
            res,
            hops,
            performance.now() - started,
            `more than ${spec.max_redirects} redirects`,
          );
        }
        hops++;
        url = new URL(location, url);
        continue;
      }
      return judge(spec, res, hops, performance.now() - started);
    }
  },
};

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  bytes: number;
  phases: { dns: number; connect: number; tls: number; ttfb: number; transfer: number };
}

function judge(spec: HttpSpec, res: Response, hops: number, totalMs: number, failure?: string): KindOutcome {
  const samples: Sample[] = [
    { name: 'http_status_code', value: res.status },
    { name: 'http_content_length_bytes', value: res.bytes },
    { name: 'http_redirects', value: hops },
    ...Object.entries(res.phases).map(([phase, ms]) => ({
      name: 'http_duration_seconds',
      labels: { phase },
      value: ms / 1000,
    })),
  ];
  const expect = spec.expect;
  const problems: string[] = failure ? [failure] : [];
  const statuses = Array.isArray(expect.status) ? expect.status : [expect.status];
  if (!statuses.some((s) => statusMatches(s, res.status))) {
    problems.push(`status ${res.status}, expected ${statuses.join(' or ')}`);
  }
  const contains =
    expect.body_contains === undefined
      ? []
      : Array.isArray(expect.body_contains)
        ? expect.body_contains
        : [expect.body_contains];
  for (const text of contains) {
    if (!res.body.includes(text)) problems.push(`body does not contain ${JSON.stringify(text)}`);
  }
  if (expect.body_regex !== undefined && !bodyRegex(expect.body_regex).test(res.body)) {
    problems.push(`body does not match /${expect.body_regex}/`);
  }
  const latency = totalMs;
  if (expect.max_latency !== undefined && latency > expect.max_latency && problems.length === 0) {
    return {
      status: 'warning',
      message: `${res.status} in ${Math.round(latency)}ms, slower than ${expect.max_latency}ms`,
      durationMs: totalMs,
      samples,
    };
  }
  return {
    status: problems.length ? 'critical' : 'ok',
    message: problems.length ? problems.join('; ') : `${res.status} in ${Math.round(latency)}ms`,
    durationMs: totalMs,
    samples,
  };
}

function statusMatches(spec: number | string, status: number): boolean {
  if (typeof spec === 'number') return spec === status;
  if (/^\dxx$/.test(spec)) return Math.floor(status / 100) === Number(spec[0]);
  const range = /^(\d{3})-(\d{3})$/.exec(spec);
  if (range) return status >= Number(range[1]) && status <= Number(range[2]);
  return Number(spec) === status;
}

function agentFor(spec: HttpSpec, url: URL, memo: Record<string, unknown>): http.Agent | false {
  if (!spec.keepalive) return false;
  const key = `agent:${url.protocol}`;
  let agent = memo[key] as http.Agent | undefined;
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 1, rejectUnauthorized: !spec.insecure_skip_verify };
    agent = url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    memo[key] = agent;
  }
  return agent;
}

function request(
  url: URL,
  spec: HttpSpec,
  signal: AbortSignal,
  agent: http.Agent | false,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const marks = { lookup: t0, connect: t0, secure: t0, response: t0 };
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, {
      method: spec.method,
      headers: { 'user-agent': 'vigil', ...spec.headers },
      agent,
      signal,
      rejectUnauthorized: !spec.insecure_skip_verify,
    });
    req.once('socket', (socket) => {
      // A reused keep-alive socket is already connected and emits none of these: its
      // phases stay 0. Listening on it anyway would pile up listeners run after run.
      if (!socket.connecting) return;
      socket.once('lookup', () => {
        marks.lookup = performance.now();
      });
      socket.once('connect', () => {
        marks.connect = performance.now();
      });
      socket.once('secureConnect', () => {
        marks.secure = performance.now();
      });
    });
    req.once('response', (res) => {
      marks.response = performance.now();
      const chunks: Buffer[] = [];
      let kept = 0;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (kept < maxBodyKept) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      res.once('error', reject);
      res.once('end', () => {
        const end = performance.now();
        const connect = Math.max(marks.connect, marks.lookup);
        const secure = url.protocol === 'https:' ? Math.max(marks.secure, connect) : connect;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).subarray(0, maxBodyKept).toString('utf8'),
          bytes,
          phases: {
            dns: marks.lookup - t0,
            connect: connect - marks.lookup,
            tls: secure - connect,
            ttfb: marks.response - secure,
            transfer: end - marks.response,
          },
        });
      });
    });
    req.once('error', reject);
    req.end(spec.body);
  });
}

function regexProblem(source: string): string | undefined {
  try {
    bodyRegex(source);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Bodies come from outside: matched in linear time (see core/linear-regex), compiled once per pattern. */
const compiled = new Map<string, LinearRegex>();
function bodyRegex(source: string): LinearRegex {
  let re = compiled.get(source);
  if (!re) {
    re = linearRegex(source);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(source, re);
  }
  return re;
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCheck } from '../../src/checks/http.js';
import { makeCtx } from './ctx.js';

let server: http.Server;
let base: string;
const hung: http.ServerResponse[] = [];
let connections = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    switch (req.url) {
      case '/ok':
        return res.end('{"status":"ok","version":"1.2.3"}');
      case '/down':
        res.statusCode = 503;
        return res.end('maintenance');
      case '/moved':
        res.writeHead(301, { location: '/ok' });
        return res.end();
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        return res.end();
      case '/echo':
        return req.pipe(res);
      case '/hang':
        hung.push(res);
        return;
      case '/aaa':
        return res.end(`${'a'.repeat(30)}!`);
      case '/big':
        res.write('x'.repeat(3 * 1024 * 1024));
        return res.end('needle');
    }
    res.statusCode = 404;
    res.end();
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hung) res.destroy();
  await new Promise((r) => server.close(r));
});

const spec = (s: Record<string, unknown>) => httpCheck.schema.parse(s);

describe('http check', () => {
  it('is ok on 2xx, with phases and status as samples', async () => {
    const out = await httpCheck.run(spec({ url: `${base}/ok` }), makeCtx());
    expect(out.status).toBe('ok');
    expect(out.message).toMatch(/^200 in \d+ms$/);
    const names = (out.samples ?? []).map((s) => `${s.name}${s.labels?.phase ? `/${s.labels.phase}` : ''}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'http_status_code',
        'http_duration_seconds/dns',
        'http_duration_seconds/connect',
        'http_duration_seconds/tls',
        'http_duration_seconds/ttfb',
        'http_duration_seconds/transfer',
      ]),
    );
    for (const s of out.samples ?? []) expect(s.value).toBeGreaterThanOrEqual(0);
  });

  it('is critical on an unexpected status, naming what was expected', async () => {
    const out = await httpCheck.run(spec({ url: `${base}/down` }), makeCtx());
    expect(out).toMatchObject({ status: 'critical', message: 'status 503, expected 2xx' });
    const accepted = await httpCheck.run(
      spec({ url: `${base}/down`, expect: { status: ['2xx', 503] } }),
      makeCtx(),
    );
    expect(accepted.status).toBe('ok');
    const range = await httpCheck.run(
      spec({ url: `${base}/down`, expect: { status: '500-599' } }),
      makeCtx(),
    );
    expect(range.status).toBe('ok');
  });

  it('checks the body for text and a pattern', async () => {
    const good = await httpCheck.run(
      spec({
        url: `${base}/ok`,
        expect: { body_contains: '"status":"ok"', body_regex: '"version":"\\d+\\.' },
      }),
      makeCtx(),
    );
    expect(good.status).toBe('ok');
    const bad = await httpCheck.run(
      spec({ url: `${base}/ok`, expect: { body_contains: ['ok', 'ready'] } }),
      makeCtx(),
    );
    expect(bad).toMatchObject({ status: 'critical', message: 'body does not contain "ready"' });
  });

  it('a catastrophic body_regex on a hostile body answers at once (linear-time matching)', async () => {
    // V8's backtracking engine needs minutes for (a+)+$ on 30 a's and a '!': no check would run meanwhile
    const started = performance.now();
    const out = await httpCheck.run(
      spec({ url: `${base}/aaa`, expect: { body_regex: '(a+)+$' } }),
      makeCtx(),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(out).toMatchObject({ status: 'critical', message: 'body does not match /(a+)+$/' });
    const ok = await httpCheck.run(
      spec({ url: `${base}/aaa`, expect: { body_regex: '(a+)+!$' } }),
      makeCtx(),
    );
    expect(ok.status).toBe('ok');
  });

  it('reads large bodies to the end but matches on the first MiB', async () => {
    const out = await httpCheck.run(
      spec({ url: `${base}/big`, expect: { body_contains: 'needle' } }),
      makeCtx(),
    );
    expect(out.status).toBe('critical');
    expect(out.samples?.find((s) => s.name === 'http_content_length_bytes')?.value).toBe(3 * 1024 * 1024 + 6);
  });

  it('follows redirects by option, and stops a loop', async () => {
    const followed = await httpCheck.run(spec({ url: `${base}/moved` }), makeCtx());
    expect(followed.status).toBe('ok');
    expect(followed.samples?.find((s) => s.name === 'http_redirects')?.value).toBe(1);
    const kept = await httpCheck.run(
      spec({ url: `${base}/moved`, follow_redirects: false, expect: { status: 301 } }),
      makeCtx(),
    );
    expect(kept.status).toBe('ok');
    const loop = await httpCheck.run(spec({ url: `${base}/loop`, max_redirects: 3 }), makeCtx());
    expect(loop).toMatchObject({
      status: 'critical',
      message: expect.stringContaining('more than 3 redirects'),
    });
  });

  it('sends method, headers and body', async () => {
    const out = await httpCheck.run(
      spec({ url: `${base}/echo`, method: 'POST', body: 'ping', expect: { body_contains: 'ping' } }),
      makeCtx(),
    );
    expect(out.status).toBe('ok');
  });

  it('warns when slower than max_latency', async () => {
    const out = await httpCheck.run(spec({ url: `${base}/ok`, expect: { max_latency: '0s' } }), makeCtx());
    expect(out.status).toBe('warning');
    expect(out.message).toMatch(/slower than 0ms/);
  });

  it('gives up on a target that hangs when its signal aborts', async () => {
    const ctx = makeCtx({ timeoutMs: 50 });
    const pending = httpCheck.run(spec({ url: `${base}/hang` }), ctx);
    ctx.controller.abort();
    expect(await pending).toMatchObject({ status: 'critical', message: 'timed out after 50ms' });
  });

  it('is critical, not thrown, when nothing listens', async () => {
    const out = await httpCheck.run(spec({ url: 'http://127.0.0.1:1/' }), makeCtx());
    expect(out).toMatchObject({ status: 'critical', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('opens a fresh connection per probe by default, and reuses one with keepalive', async () => {
    const before = connections;
    for (let i = 0; i < 3; i++) await httpCheck.run(spec({ url: `${base}/ok` }), makeCtx());
    expect(connections - before).toBe(3);
    const memo = {};
    const reuse = connections;
    for (let i = 0; i < 3; i++)
      await httpCheck.run(spec({ url: `${base}/ok`, keepalive: true }), makeCtx({ memo }));
    expect(connections - reuse).toBe(1);
  });

  it('does not pile listeners onto a reused keep-alive socket', async () => {
    const memo: Record<string, unknown> = {};
    for (let i = 0; i < 30; i++)
      await httpCheck.run(spec({ url: `${base}/ok`, keepalive: true }), makeCtx({ memo }));
    const agent = memo['agent:http:'] as http.Agent;
    const sockets = Object.values(agent.freeSockets).flat();
    expect(sockets).toHaveLength(1);
    for (const event of ['lookup', 'connect', 'secureConnect']) {
      expect(sockets[0]!.listenerCount(event)).toBeLessThanOrEqual(1);
    }
  });

  it('refuses a bad spec', () => {
    expect(httpCheck.schema.safeParse({ url: 'ftp://x' }).success).toBe(false);
    expect(httpCheck.schema.safeParse({ url: 'http://x', expect: { status: 'ok' } }).success).toBe(false);
    expect(httpCheck.schema.safeParse({ url: 'http://x', expect: { body_regex: '(' } }).success).toBe(false);
    const lookahead = httpCheck.schema.safeParse({ url: 'http://x', expect: { body_regex: 'ok(?!ay)' } });
    expect(lookahead.error?.issues[0]?.message).toMatch(/lookaround and backreferences are not supported/);
    expect(httpCheck.schema.safeParse({ url: 'http://x', retries: 3 }).success).toBe(false);
  });
});

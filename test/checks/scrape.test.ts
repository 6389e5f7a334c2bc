import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeCheck, withTargetLabels } from '../../src/checks/scrape.js';
import type { Sample } from '../../src/checks/types.js';
import { makeCtx } from './ctx.js';

const exposition = [
  '# HELP http_requests_total Requests.',
  '# TYPE http_requests_total counter',
  'http_requests_total{method="get",code="200"} 1027',
  'http_requests_total{method="post",code="500"} 3 1395066363000',
  '# TYPE latency_seconds histogram',
  'latency_seconds_bucket{le="0.5"} 3',
  'latency_seconds_bucket{le="+Inf"} 4',
  'latency_seconds_sum 1.5',
  'latency_seconds_count 4',
  '',
].join('\n');

const openMetrics = '# TYPE jobs counter\njobs_total{queue="a"} 5 1700000000.5 # {trace_id="x"} 1\n# EOF\n';

let server: http.Server;
let base: string;
let port: number;
const hung: http.ServerResponse[] = [];
const seen: http.IncomingHttpHeaders[] = [];

function routes(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push(req.headers);
  const text = (body: string, type = 'text/plain; version=0.0.4; charset=utf-8') => {
    res.writeHead(200, { 'content-type': type });
    res.end(body);
  };
  switch (req.url) {
    case '/metrics':
      text(exposition);
      return;
    case '/openmetrics':
      text(openMetrics, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
      return;
    case '/gzip':
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(exposition));
      return;
    case '/no-content-type':
      res.removeHeader('content-type');
      res.end(exposition);
      return;
    case '/many': {
      const lines = Array.from({ length: 60_000 }, (_, i) => `series{i="${i}"} ${i}\n`);
      text(lines.join(''));
      return;
    }
    case '/error':
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${exposition}secret stack trace`);
      return;
    case '/long-value':
      text(`ok 1\nbig{v="${'x'.repeat(60 * 1024 * 1024)}"} 1\n`);
      return;
    case '/long-name':
      text(`ok{${'n'.repeat(300)}="1"} 1\n`);
      return;
    case '/many-labels':
      text(`ok{${Array.from({ length: 70 }, (_, i) => `l${i}="v"`).join(',')}} 1\n`);
      return;
    case '/broken':
      text(`${exposition}up{job=web} 1\n${'filler 1\n'.repeat(1000)}`);
      return;
    case '/conflicts':
      text(
        [
          'a{job="scraped",instance="scraped-i",exported_job="old",env="scraped-env",x=""} 1',
          'b{check="other",plain="1"} 2',
        ].join('\n'),
      );
      return;
    case '/latin1':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(Buffer.from('m{city="K\xf6ln"} 1\n', 'latin1'));
      return;
    case '/protobuf':
      res.writeHead(200, {
        'content-type': 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily',
      });
      res.end('\x00');
      return;
    case '/huge':
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(100 * 1024 * 1024) });
      res.write('m 1\n');
      hung.push(res);
      return;
    case '/bomb':
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(Buffer.alloc(65 * 1024 * 1024, '#')));
      return;
    case '/moved':
      res.writeHead(302, { location: '/metrics' });
      res.end();
      return;
    case '/elsewhere':
      res.writeHead(302, { location: `http://localhost:${port}/metrics` });
      res.end();
      return;
    case '/bad-redirect':
      res.writeHead(302, { location: 'mailto:someone@example.com' });
      res.end();
      return;
    case '/loop':
      res.writeHead(301, { location: '/loop' });
      res.end();
      return;
    case '/hang':
      hung.push(res);
      return;
    case '/hang-body':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('m 1\n');
      hung.push(res);
      return;
  }
  res.writeHead(404);
  res.end();
}

beforeAll(async () => {
  server = http.createServer(routes);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  for (const res of hung) res.destroy();
  await new Promise((r) => server.close(r));
});

const spec = (s: Record<string, unknown>) => scrapeCheck.schema.parse(s);
const run = (s: Record<string, unknown>, ctx = makeCtx({ name: 'app' })) => scrapeCheck.run(spec(s), ctx);
/** the scraped samples, without their family metadata and timestamps (asserted on their own) */
const scraped = (samples: Sample[] | undefined) =>
  (samples ?? []).filter((s) => !s.name.startsWith('scrape_')).map(({ meta, ts, ...s }) => s);
const report = (samples: Sample[] | undefined, name: string) => samples?.find((s) => s.name === name);

describe('scrape check', () => {
  it('defaults max_samples to 50000, honor_labels off, OpenMetrics accepted', () => {
    expect(spec({ url: `${base}/metrics` })).toMatchObject({
      max_samples: 50_000,
      label_limit: 64,
      label_name_length_limit: 256,
      label_value_length_limit: 4096,
      honor_labels: false,
      accept_openmetrics: true,
      labels: {},
      headers: {},
    });
    expect(scrapeCheck.schema.safeParse({ url: 'ftp://x/metrics' }).success).toBe(false);
    expect(scrapeCheck.schema.safeParse({ url: `${base}/`, labels: { job: 'x' } }).success).toBe(false);
    expect(scrapeCheck.schema.safeParse({ url: `${base}/`, labels: { check: 'x' } }).success).toBe(false);
    expect(scrapeCheck.schema.safeParse({ url: `${base}/`, labels: { '1a': 'x' } }).success).toBe(false);
    expect(scrapeCheck.schema.safeParse({ url: `${base}/`, labels: { __meta: 'x' } }).success).toBe(false);
  });

  it('records every sample with job, instance and the configured labels, plus its own report', async () => {
    const out = await run({
      url: `${base}/metrics`,
      labels: { env: 'prod' },
      headers: { authorization: 'Bearer t' },
    });
    expect(out.status).toBe('ok');
    expect(out.message).toMatch(/^6 samples in \d+ms$/);
    const target = { job: 'app', instance: `127.0.0.1:${port}`, env: 'prod' };
    expect(scraped(out.samples)).toEqual([
      { name: 'http_requests_total', labels: { method: 'get', code: '200', ...target }, value: 1027 },
      { name: 'http_requests_total', labels: { method: 'post', code: '500', ...target }, value: 3 },
      { name: 'latency_seconds_bucket', labels: { le: '0.5', ...target }, value: 3 },
      { name: 'latency_seconds_bucket', labels: { le: '+Inf', ...target }, value: 4 },
      { name: 'latency_seconds_sum', labels: target, value: 1.5 },
      { name: 'latency_seconds_count', labels: target, value: 4 },
    ]);
    expect(report(out.samples, 'scrape_samples_scraped')).toEqual({
      name: 'scrape_samples_scraped',
      labels: target,
      value: 6,
    });
    expect(report(out.samples, 'scrape_duration_seconds')?.value).toBeGreaterThan(0);
    const headers = seen.at(-1)!;
    expect(headers.accept).toBe(
      'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1',
    );
    expect(headers.authorization).toBe('Bearer t');
    expect(headers['x-prometheus-scrape-timeout-seconds']).toBe('5');
  });

  it('counts the samples in the message and reports as many as it recorded', async () => {
    const out = await run({ url: `${base}/metrics` });
    const n = scraped(out.samples).length;
    expect(out.message).toMatch(new RegExp(`^${n} samples in \\d+ms$`));
    expect(report(out.samples, 'scrape_samples_scraped')?.value).toBe(n);
  });

  it('takes job and instance from the spec when given, and asks for text only when told', async () => {
    const out = await run({
      url: `${base}/metrics`,
      job: 'api',
      instance: 'web-1',
      accept_openmetrics: false,
    });
    expect(scraped(out.samples)[0]!.labels).toMatchObject({ job: 'api', instance: 'web-1' });
    expect(seen.at(-1)!.accept).toBe('text/plain;version=0.0.4;q=1,*/*;q=0.1');
  });

  it('reads OpenMetrics when the target answers in it, exemplars skipped', async () => {
    const out = await run({ url: `${base}/openmetrics` });
    expect(out.status).toBe('ok');
    expect(scraped(out.samples)).toEqual([
      { name: 'jobs_total', labels: { queue: 'a', job: 'app', instance: `127.0.0.1:${port}` }, value: 5 },
    ]);
  });

  it("keeps each sample's family TYPE and HELP and the exposition's own timestamp", async () => {
    const text = await run({ url: `${base}/metrics` });
    const byName = new Map(text.samples!.map((s) => [s.name, s]));
    expect(byName.get('http_requests_total')!.meta).toEqual({
      type: 'counter',
      family: 'http_requests_total',
      help: 'Requests.',
    });
    expect(byName.get('latency_seconds_sum')!.meta).toMatchObject({
      type: 'histogram',
      family: 'latency_seconds',
    });
    expect(byName.get('latency_seconds_bucket')!.meta).toBe(byName.get('latency_seconds_count')!.meta);
    expect(byName.get('scrape_duration_seconds')!.meta).toBeUndefined();
    const om = await run({ url: `${base}/openmetrics` });
    const jobs = om.samples!.find((s) => s.name === 'jobs_total')!;
    expect(jobs.ts).toBe(1_700_000_000_500);
    expect(jobs.meta).toEqual({ type: 'counter', family: 'jobs_total' });
  });

  it('reads gzip and responses without a Content-Type', async () => {
    for (const path of ['/gzip', '/no-content-type']) {
      const out = await run({ url: `${base}${path}` });
      expect([path, out.status, scraped(out.samples).length]).toEqual([path, 'ok', 6]);
    }
  });

  it('fails with more samples than max_samples and records none of them', async () => {
    const out = await run({ url: `${base}/many`, max_samples: 50_000 });
    expect(out.status).toBe('critical');
    expect(out.message).toBe('scrape returned 60000 samples, more than max_samples 50000');
    expect(scraped(out.samples)).toEqual([]);
    expect(report(out.samples, 'scrape_samples_scraped')?.value).toBe(60_000);
    const ok = await run({ url: `${base}/many`, max_samples: 60_000 });
    expect([ok.status, scraped(ok.samples).length]).toEqual(['ok', 60_000]);
  });

  it('refuses a 60 MB label value, and too long names or too many labels, keeping none of the samples', async () => {
    const out = await run({ url: `${base}/long-value` });
    expect(out.status).toBe('critical');
    expect(out.message).toBe(
      `label v of big has a value of ${60 * 1024 * 1024} characters, more than label_value_length_limit 4096`,
    );
    expect(scraped(out.samples)).toEqual([]);
    const name = await run({ url: `${base}/long-name` });
    expect(name.message).toMatch(
      /^label name n{40}… of ok is 300 characters, more than label_name_length_limit 256$/,
    );
    const labels = await run({ url: `${base}/many-labels` });
    expect(labels.message).toBe('ok has 73 labels, more than label_limit 64');
    const raised = await run({ url: `${base}/many-labels`, label_limit: 100 });
    expect([raised.status, scraped(raised.samples).length]).toEqual(['ok', 1]);
  });

  it('follows redirects, keeping the instance of the configured url, up to 10', async () => {
    const out = await run({ url: `${base}/moved` });
    expect([out.status, scraped(out.samples)[0]!.labels?.instance]).toEqual(['ok', `127.0.0.1:${port}`]);
    const loop = await run({ url: `${base}/loop` });
    expect([loop.status, loop.message]).toEqual(['critical', 'more than 10 redirects']);
    const bad = await run({ url: `${base}/bad-redirect` });
    expect(bad.message).toBe('redirected to something that is not an http(s) URL');
  });

  it('does not send its headers on to another host after a redirect', async () => {
    const out = await run({ url: `${base}/elsewhere`, headers: { authorization: 'Bearer secret' } });
    expect(out.status).toBe('ok');
    const [first, second] = seen.slice(-2);
    expect([first!.authorization, first!.host, second!.authorization, second!.host]).toEqual([
      'Bearer secret',
      `127.0.0.1:${port}`,
      undefined,
      `localhost:${port}`,
    ]);
  });

  it('fails on a non-2xx status without quoting the body', async () => {
    const out = await run({ url: `${base}/error` });
    expect(out.status).toBe('critical');
    expect(out.message).toBe('the target answered HTTP 500');
    expect(scraped(out.samples)).toEqual([]);
  });

  it('fails on a syntax error with its line, without the exposition, and records nothing', async () => {
    const out = await run({ url: `${base}/broken` });
    expect(out.status).toBe('critical');
    expect(out.message).toBe(
      'invalid text format 0.0.4 exposition: line 10, column 8: expected a label value in double quotes, ' +
        'found "web" in: up{job=web} 1',
    );
    expect(scraped(out.samples)).toEqual([]);
  });

  it('fails on bodies that are not UTF-8, protobuf, or larger than 64 MiB', async () => {
    const latin1 = await run({ url: `${base}/latin1` });
    expect([latin1.status, latin1.message]).toEqual(['critical', 'the response is not valid UTF-8']);
    const proto = await run({ url: `${base}/protobuf` });
    expect(proto.message).toMatch(/protobuf .*Vigil reads the text formats only/);
    for (const path of ['/huge', '/bomb']) {
      const out = await run({ url: `${base}${path}` });
      expect([path, out.status, out.message]).toEqual([
        path,
        'critical',
        'response body larger than 64 MiB; Vigil stops reading there',
      ]);
    }
  });

  it('renames scraped labels that clash with the target to exported_*, drops empty ones, keeps check', async () => {
    const out = await run({ url: `${base}/conflicts`, labels: { env: 'prod' } });
    const [a, b] = scraped(out.samples);
    expect(a!.labels).toEqual({
      job: 'app',
      instance: `127.0.0.1:${port}`,
      env: 'prod',
      exported_job: 'old',
      exported_exported_job: 'scraped',
      exported_instance: 'scraped-i',
      exported_env: 'scraped-env',
    });
    // `check` belongs to Vigil's runner, which adds it to every sample: never the target's.
    expect(b!.labels).toEqual({
      job: 'app',
      instance: `127.0.0.1:${port}`,
      env: 'prod',
      exported_check: 'other',
      plain: '1',
    });
  });

  it('keeps the scraped labels with honor_labels, filling in the target labels they lack', async () => {
    const out = await run({
      url: `${base}/conflicts`,
      honor_labels: true,
      labels: { env: 'prod', zone: 'z1' },
    });
    const [a, b] = scraped(out.samples);
    expect(a!.labels).toEqual({
      job: 'scraped',
      instance: 'scraped-i',
      exported_job: 'old',
      env: 'scraped-env',
      zone: 'z1',
    });
    expect(b!.labels).toEqual({
      job: 'app',
      instance: `127.0.0.1:${port}`,
      env: 'prod',
      zone: 'z1',
      exported_check: 'other',
      plain: '1',
    });
  });

  it('gives up when its signal is aborted, before the response and in the middle of the body', async () => {
    for (const path of ['/hang', '/hang-body']) {
      const ctx = makeCtx({ name: 'app', timeoutMs: 60_000 });
      const t0 = Date.now();
      setTimeout(() => ctx.controller.abort(new Error('timeout')), 100);
      const out = await scrapeCheck.run(spec({ url: `${base}${path}` }), ctx);
      expect([path, out.status, out.message]).toEqual([path, 'critical', 'timed out after 60000ms']);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(scraped(out.samples)).toEqual([]);
    }
  });

  it('fails clearly when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/metrics`;
    await new Promise((r) => closed.close(r));
    const out = await run({ url });
    expect(out.status).toBe('critical');
    expect(out.message).toMatch(/^request failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });
});

describe('withTargetLabels', () => {
  const target = new Map([
    ['job', 'j'],
    ['instance', 'i'],
  ]);
  it('takes exported_ names in order of length, stepping past names already taken', () => {
    expect(
      withTargetLabels(
        { job: 'a', instance: 'b', exported_job: 'c', exported_exported_job: 'd' },
        target,
        false,
      ),
    ).toEqual({
      job: 'j',
      instance: 'i',
      exported_job: 'c',
      exported_exported_job: 'd',
      exported_exported_exported_job: 'a',
      exported_instance: 'b',
    });
  });

  it('treats an empty scraped value as no label, unless honor_labels keeps the label out', () => {
    expect(withTargetLabels({ job: '' }, target, false)).toEqual({ job: 'j', instance: 'i' });
    expect(withTargetLabels({ job: '' }, target, true)).toEqual({ instance: 'i' });
  });

  it('copies a __proto__ label as an own label', () => {
    const labels = withTargetLabels(JSON.parse('{"__proto__":"x"}'), target, false);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels).sort()).toEqual(['__proto__', 'instance', 'job']);
  });
});

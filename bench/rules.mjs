// Rule evaluation benchmark: 500 rules over 2·N series in the SQLite store.
//   npm run bench:rules            (N = 10,000 and 100,000; BENCH_SERIES=10000,100000,500000 to choose)
// Writes N/100 label sets for each of 100 metric pairs (a gauge and a counter: 2·N series in all),
// one sample every 15 s for 10 minutes, as a running daemon would, then times whole evaluation
// cycles of one group of 500 rules. BENCH_SERIES=500000 is the 1 M series of the goal; give the
// process room for it (node --max-old-space-size=16384 --expose-gc bench/rules.mjs). With
// --expose-gc the RSS after a full collection is reported too.
// Beside it (BENCH_PEER=off to skip), Prometheus (Debian's `prometheus`) evaluates the same 500
// rules over the same series, scraped from an exporter in its own Node process every 15 s; its
// figure is the group's evaluationTime from /api/v1/rules, its RSS read from /proc.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GroupState } from '../dist/alerting/group.js';
import { parsePromQL } from '../dist/metrics/promql/index.js';
import { openStore } from '../dist/store/store.js';
import { cleanup, httpGet, installSignalHandlers, sleep, start, stop, waitFor } from './harness.mjs';

const load0 = os.loadavg()[0];
const sizes = (process.env.BENCH_SERIES ?? '10000,100000').split(',').map(Number);
const cycles = Number(process.env.BENCH_CYCLES ?? 3);
const metrics = 100;
const now = Date.UTC(2026, 10, 27, 12, 0, 0);
const step = 15_000;
const points = 40;

installSignalHandlers();

function exprs() {
  const out = [];
  for (let i = 0; i < 500; i++) {
    const m = `bench_metric_${i % metrics}`;
    const c = `bench_requests_total_${i % metrics}`;
    const kind = i % 5;
    const expr =
      kind === 0
        ? `${m} > 0.95`
        : kind === 1
          ? `avg by (job) (${m}) > 0.9`
          : kind === 2
            ? `sum by (job) (rate(${c}[5m])) > 1000`
            : kind === 3
              ? `max by (instance) (${m}{job=~"job-[0-4]"}) > 0.99`
              : `count(${m} > 0.5) > 1e9`;
    out.push(expr);
  }
  return out;
}

function rules() {
  const out = [];
  for (const [i, expr] of exprs().entries()) {
    out.push({
      type: 'alert',
      name: `Bench${i}`,
      query: { text: expr, expr: parsePromQL(expr) },
      forMs: 60_000,
      keepFiringForMs: 0,
      labels: {},
      annotations: {},
      noData: 'ok',
      onError: 'keep_last_state',
      where: 'bench',
    });
  }
  return {
    id: 'bench',
    name: 'bench',
    file: 'bench',
    intervalMs: 15_000,
    queryOffsetMs: 0,
    limit: 0,
    rules: out,
  };
}

const rows = [];
for (const n of sizes) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-rules-'));
  const labelSets = Array.from({ length: n / metrics }, (_, s) => ({
    job: `job-${s % 10}`,
    instance: `host-${s}:9100`,
  }));
  // the head starts with the seeded window, as if Vigil had been writing it live
  const store = await openStore(`sqlite:${path.join(dir, 'v.db')}`, { now: () => now - points * step });
  const perMetric = n / metrics;
  const seedStart = performance.now();
  // Point by point, all series at each step, as checks write them live. After the first
  // step one evaluation runs, which makes the rules' metrics hot in the head; everything
  // after is kept in memory, as in a running daemon.
  const state0 = new GroupState(rules());
  for (let p = 0; p < points; p++) {
    const ts = now - (points - 1 - p) * step;
    let extra = [];
    for (let m = 0; m < metrics; m++) {
      for (let s = 0; s < perMetric; s++) {
        const labels = labelSets[s];
        extra.push({ name: `bench_metric_${m}`, labels, ts, value: ((s * 7 + p) % 100) / 100 });
        extra.push({ name: `bench_requests_total_${m}`, labels, ts, value: s * 10 + p * 15 });
        if (extra.length >= 50_000) {
          await store.record([], extra);
          extra = [];
        }
      }
    }
    await store.record([], extra);
    if (p === 0) await state0.evaluate(ts, store.queryable);
  }
  const seedS = (performance.now() - seedStart) / 1000;
  const state = new GroupState(rules());
  const times = [];
  // CPU time too: on a shared machine the wall time of a cycle is mostly waiting for a core
  const cpuTimes = [];
  for (let c = 0; c < cycles; c++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const { samples } = await state.evaluate(now - (cycles - 1 - c) * 1000, store.queryable);
    times.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
    if (c === 0)
      rows.push({ n, errors: state.health.filter((h) => h.health === 'err').length, alerts: samples.length });
  }
  const r = rows.at(-1);
  Object.assign(r, {
    seedS,
    first: times[0],
    median: [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)],
    cpuMedian: [...cpuTimes].sort((a, b) => a - b)[Math.floor(cpuTimes.length / 2)],
    rss: process.memoryUsage().rss / 2 ** 20,
    maxRss: process.resourceUsage().maxRSS / 1024,
  });
  if (globalThis.gc) {
    globalThis.gc();
    r.rssAfterGc = process.memoryUsage().rss / 2 ** 20;
    r.heapAfterGc = process.memoryUsage().heapUsed / 2 ** 20;
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  console.error(
    `${n} series: cycles ${times.map((t) => t.toFixed(0)).join(', ')} ms, CPU ${cpuTimes.map((t) => t.toFixed(0)).join(', ')} ms`,
  );
}

const freePort = () =>
  new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** Prometheus over the same series and rules: evaluation time per cycle and RSS. */
async function prometheusRun(n) {
  if (spawnSync('prometheus', ['--version']).status !== 0) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-rules-prom-'));
  const exporterPort = await freePort();
  const promPort = await freePort();
  // The same label sets and values as Vigil's seed, one step further at each scrape.
  const exporterSrc = `
const http = require('node:http');
const metrics = ${metrics}, per = ${n / metrics};
let p = 0;
http.createServer((req, res) => {
  const parts = [];
  for (let m = 0; m < metrics; m++) {
    for (let s = 0; s < per; s++) {
      const l = '{job="job-' + (s % 10) + '",instance="host-' + s + ':9100"} ';
      parts.push('bench_metric_' + m + l + ((s * 7 + p) % 100) / 100 + '\\n');
      parts.push('bench_requests_total_' + m + l + (s * 10 + p * 15) + '\\n');
    }
  }
  p++;
  res.setHeader('content-type', 'text/plain; version=0.0.4');
  res.end(parts.join(''));
}).listen(${exporterPort}, '127.0.0.1');`;
  const exporter = start('exporter', process.execPath, ['-e', exporterSrc]);
  const ruleFile = path.join(dir, 'rules.yml');
  writeFileSync(
    ruleFile,
    `groups:\n  - name: bench\n    rules:\n${exprs()
      .map((e, i) => `      - alert: Bench${i}\n        expr: ${JSON.stringify(e)}\n        for: 1m\n`)
      .join('')}`,
  );
  const cfg = path.join(dir, 'prometheus.yml');
  writeFileSync(
    cfg,
    `global: { scrape_interval: 15s, evaluation_interval: 5s, scrape_timeout: 10s }
rule_files: [${JSON.stringify(ruleFile)}]
scrape_configs:
  - job_name: bench
    honor_labels: true
    static_configs: [{ targets: ["127.0.0.1:${exporterPort}"] }]
`,
  );
  const prom = start('prometheus', 'prometheus', [
    `--config.file=${cfg}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
  ]);
  const base = `http://127.0.0.1:${promPort}`;
  try {
    await waitFor('prometheus', () =>
      httpGet(`${base}/-/ready`).then(
        (r) => r.status === 200,
        () => false,
      ),
    );
    // Evaluations from 35 s on (two scrapes: rate() needs two samples), then as many cycles as Vigil's.
    const times = [];
    let last = '';
    const until = Date.now() + 300_000;
    while (times.length < cycles + 7 && Date.now() < until) {
      await sleep(1000);
      const body = JSON.parse((await httpGet(`${base}/api/v1/rules`)).body);
      const g = body.data.groups.find((x) => x.name === 'bench');
      if (!g?.lastEvaluation || g.lastEvaluation === last || g.lastEvaluation.startsWith('0001')) continue;
      last = g.lastEvaluation;
      times.push(g.evaluationTime * 1000);
    }
    const measured = times.slice(7);
    const status = readFileSync(`/proc/${prom.child.pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    return {
      first: measured[0] ?? Number.NaN,
      median: [...measured].sort((a, b) => a - b)[Math.floor(measured.length / 2)] ?? Number.NaN,
      times: measured,
      rss,
    };
  } finally {
    await stop(prom);
    await stop(exporter);
    rmSync(dir, { recursive: true, force: true });
  }
}

const peers = [];
try {
  if (process.env.BENCH_PEER !== 'off')
    for (const n of sizes) {
      const r = await prometheusRun(n);
      if (!r) break;
      peers.push({ n, ...r });
      console.error(`Prometheus, ${n} series: cycles ${r.times.map((t) => t.toFixed(0)).join(', ')} ms`);
    }
} finally {
  await cleanup();
}

const cpu = os.cpus()[0]?.model ?? 'unknown';
console.log(
  `\nRule evaluation, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpu}, ${os.cpus().length} cores, Node ${process.version}; load average ${load0.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end`,
);
console.log(
  '\n| N | series (2·N) | samples seeded | seed s | first cycle ms | median cycle ms | median cycle CPU ms | rule errors | RSS MiB | peak RSS MiB (process so far) | RSS / JS heap after full GC MiB |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.n.toLocaleString('en')} | ${(r.n * 2).toLocaleString('en')} | ${(r.n * points * 2).toLocaleString('en')} | ${r.seedS.toFixed(1)} | ${r.first.toFixed(0)} | ${r.median.toFixed(0)} | ${r.cpuMedian.toFixed(0)} | ${r.errors} | ${r.rss.toFixed(0)} | ${r.maxRss.toFixed(0)} | ${r.rssAfterGc === undefined ? '—' : `${r.rssAfterGc.toFixed(0)} / ${r.heapAfterGc.toFixed(0)}`} |`,
  );
}
if (peers.length) {
  const v = spawnSync('prometheus', ['--version'], { encoding: 'utf8' }).stdout.split(/\s+/)[2];
  console.log(`\nPrometheus ${v}, same rules, same series scraped every 15 s, group evaluationTime:\n`);
  console.log('| N | series (2·N) | first cycle ms | median cycle ms | RSS MiB |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of peers)
    console.log(
      `| ${r.n.toLocaleString('en')} | ${(r.n * 2).toLocaleString('en')} | ${r.first.toFixed(0)} | ${r.median.toFixed(0)} | ${r.rss.toFixed(0)} |`,
    );
}

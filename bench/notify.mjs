// Notification benchmark: outbox throughput and firing-to-delivery latency, Vigil beside Alertmanager.
//   npm run bench:notify           (BENCH_ALERTS=5000 for the burst, BENCH_RATE=200 alerts/s for latency)
// Both deliver webhooks to the same receiver (a separate Node process) with group_by [alertname, n]
// and group_wait 0, so every alert is one notification. Vigil runs in this process over its SQLite
// store and then over PostgreSQL; Alertmanager (Debian's prometheus-alertmanager) gets the same
// alerts through POST /api/v2/alerts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseConfig } from '../dist/config/loader.js';
import { Notifier } from '../dist/services/notifier.js';
import { notifierSettings } from '../dist/services/notify-settings.js';
import { openStore } from '../dist/store/store.js';
import {
  cleanup,
  gitDescribe,
  httpGet,
  installSignalHandlers,
  machine,
  mdTable,
  quantile,
  sleep,
  start,
  textTable,
  versionOf,
  waitFor,
  writeSection,
} from './harness.mjs';

const burst = Number(process.env.BENCH_ALERTS ?? 5000);
const rate = Number(process.env.BENCH_RATE ?? 200);
const rateSeconds = 10;
const repo = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-notify-'));
installSignalHandlers();

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// The receiver: records when each alert's first notification arrived, answers 200.
const receiverPort = await freePort();
const receiverSrc = `
const http = require('node:http');
const seen = new Map();
http.createServer((req, res) => {
  if (req.url === '/stats') { res.end(JSON.stringify(Object.fromEntries(seen))); return; }
  if (req.url === '/count') { res.end(String(seen.size)); return; }
  if (req.url === '/reset') { seen.clear(); res.end('ok'); return; }
  let raw = '';
  req.on('data', (c) => { raw += c; });
  req.on('end', () => {
    const t = performance.timeOrigin + performance.now();
    for (const a of JSON.parse(raw).alerts) if (!seen.has(a.labels.n)) seen.set(a.labels.n, t);
    res.end('ok');
  });
}).listen(${receiverPort}, '127.0.0.1');`;
start('receiver', process.execPath, ['-e', receiverSrc]);
await waitFor('receiver', () =>
  httpGet(`http://127.0.0.1:${receiverPort}/stats`).then(
    () => true,
    () => false,
  ),
);
const stats = async () => JSON.parse((await httpGet(`http://127.0.0.1:${receiverPort}/stats`)).body);
const reset = () => httpGet(`http://127.0.0.1:${receiverPort}/reset`);
const now = () => performance.timeOrigin + performance.now();

// Polls the count only: parsing every arrival time 50 times a second cost this process (whose
// CPU is Vigil's figure) more than a tenth of the burst's CPU.
async function awaitDeliveries(_sent, n) {
  const until = Date.now() + 120_000;
  for (;;) {
    const count = Number((await httpGet(`http://127.0.0.1:${receiverPort}/count`)).body);
    if (count >= n) return stats();
    if (Date.now() > until) throw new Error(`only ${count} of ${n} notifications arrived in 2 minutes`);
    await sleep(20);
  }
}

function summarize(sent, received) {
  const lat = [...sent].map(([n, t]) => received[n] - t).sort((a, b) => a - b);
  const first = Math.min(...sent.values());
  const last = Math.max(...Object.values(received));
  return { lat, spanMs: last - first };
}

/** Feeds alerts the way rule evaluations do: one evaluation holds every alert so far. */
async function vigilRun(label, storeUrl) {
  const text = `
notify:
  - name: hook
    webhook: { url: "http://127.0.0.1:${receiverPort}/hook" }
    group_by: [alertname, n]
    group_wait: 0s
    group_interval: 1m
    repeat_interval: 24h
incidents: { enabled: false }
`;
  const loaded = parseConfig(text, 'vigil.yaml', {});
  const store = await openStore(storeUrl);
  const quiet = { info() {}, warn() {}, error: (o, m) => console.error(m, o) };
  const notifier = new Notifier({
    clock: {
      now: () => Date.now(),
      setTimer: (ms, fn) => {
        const t = setTimeout(fn, ms);
        return { cancel: () => clearTimeout(t) };
      },
    },
    notifications: store.notifications,
    silences: store.silences,
    incidents: store.incidents,
    settings: () => notifierSettings(loaded),
    log: quiet,
  });
  await notifier.start();
  const alerts = new Map();
  const add = (prefix, n, t) => {
    const labels = { alertname: 'Bench', n: `${prefix}${n}` };
    alerts.set(labels.n, { labels, annotations: {}, state: 'firing', activeAt: t, firedAt: t, value: 1 });
  };
  // Burst: every alert fires in one evaluation.
  await reset();
  const cpu0 = process.cpuUsage();
  const sent = new Map();
  const t0 = now();
  for (let n = 0; n < burst; n++) {
    add('b', n, Date.now());
    sent.set(`b${n}`, t0);
  }
  notifier.observe('bench', Date.now(), alerts);
  const burstReceived = await awaitDeliveries(sent, burst);
  const cpu = process.cpuUsage(cpu0);
  const b = summarize(sent, burstReceived);
  // Steady rate: `rate` alerts a second in ticks of 100 ms, latency per alert.
  await reset();
  const steady = new Map();
  const perTick = Math.max(1, Math.round(rate / 10));
  for (let tick = 0; tick < rateSeconds * 10; tick++) {
    const t = now();
    for (let i = 0; i < perTick; i++) {
      add('s', tick * perTick + i, Date.now());
      steady.set(`s${tick * perTick + i}`, t);
    }
    notifier.observe('bench', Date.now(), alerts);
    await sleep(Math.max(0, t + 100 - now()));
  }
  const steadyReceived = await awaitDeliveries(steady, steady.size);
  const s = summarize(steady, steadyReceived);
  await notifier.stop(1000);
  await store.close();
  return {
    label,
    // this process: Vigil's notifier and store, and the bench's own bookkeeping
    rss: process.memoryUsage().rss / 2 ** 20,
    perSecond: (burst / b.spanMs) * 1000,
    cpuPer1000: ((cpu.user + cpu.system) / 1e6 / burst) * 1000,
    p50: quantile(s.lat, 0.5),
    p99: quantile(s.lat, 0.99),
  };
}

async function alertmanagerRun() {
  const bin = ['prometheus-alertmanager', 'alertmanager'].find(
    (b) => spawnSync(b, ['--version']).status === 0,
  );
  if (!bin) return undefined;
  const port = await freePort();
  const cfg = path.join(work, 'am.yml');
  fs.writeFileSync(
    cfg,
    `route:
  receiver: hook
  group_by: [alertname, n]
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 24h
receivers:
  - name: hook
    webhook_configs: [{ url: "http://127.0.0.1:${receiverPort}/hook", send_resolved: false }]
`,
  );
  const am = start('alertmanager', bin, [
    `--config.file=${cfg}`,
    `--storage.path=${path.join(work, 'am')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
  ]);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('alertmanager', () =>
    httpGet(`${base}/-/ready`).then(
      (r) => r.status === 200,
      () => false,
    ),
  );
  const post = (list) =>
    fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(list),
    }).then((r) => {
      if (!r.ok) throw new Error(`alertmanager answered ${r.status}`);
    });
  const procCpu = () => {
    const f = fs.readFileSync(`/proc/${am.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime, in clock ticks of 1/100 s
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  await reset();
  const sent = new Map();
  const c0 = procCpu();
  const t0 = now();
  const startsAt = new Date().toISOString();
  const list = [];
  for (let n = 0; n < burst; n++) {
    list.push({ labels: { alertname: 'Bench', n: `b${n}` }, startsAt });
    sent.set(`b${n}`, t0);
  }
  await post(list);
  const burstReceived = await awaitDeliveries(sent, burst);
  const cpu = procCpu() - c0;
  const b = summarize(sent, burstReceived);
  await reset();
  const steady = new Map();
  const perTick = Math.max(1, Math.round(rate / 10));
  for (let tick = 0; tick < rateSeconds * 10; tick++) {
    const t = now();
    const batch = [];
    for (let i = 0; i < perTick; i++) {
      const n = `s${tick * perTick + i}`;
      batch.push({ labels: { alertname: 'Bench', n }, startsAt: new Date().toISOString() });
      steady.set(n, t);
    }
    await post(batch);
    await sleep(Math.max(0, t + 100 - now()));
  }
  const steadyReceived = await awaitDeliveries(steady, steady.size);
  const s = summarize(steady, steadyReceived);
  const status = fs.readFileSync(`/proc/${am.child.pid}/status`, 'utf8');
  return {
    rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
    label: `Alertmanager ${versionOf(bin).replace(/^alertmanager, version (\S+).*/, '$1')}`,
    perSecond: (burst / b.spanMs) * 1000,
    cpuPer1000: (cpu / burst) * 1000,
    p50: quantile(s.lat, 0.5),
    p99: quantile(s.lat, 0.99),
  };
}

async function postgresUrl() {
  const admin = process.env.VIGIL_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
  const c = new pg.Client({ connectionString: admin });
  try {
    await c.connect();
  } catch {
    return undefined;
  }
  await c.query('drop database if exists vigil_bench_notify with (force)');
  await c.query('create database vigil_bench_notify');
  await c.end();
  const u = new URL(admin);
  u.pathname = '/vigil_bench_notify';
  return u.toString();
}

try {
  const load0 = os.loadavg()[0];
  const rows = [];
  rows.push(await vigilRun('Vigil, SQLite', `sqlite:${path.join(work, 'vigil.db')}`));
  const pgUrl = await postgresUrl();
  if (pgUrl) rows.push(await vigilRun('Vigil, PostgreSQL', pgUrl));
  const am = await alertmanagerRun();
  if (am) rows.push(am);
  const load1 = os.loadavg()[0];
  const header = ['sender', 'deliveries/s (burst)', 'CPU-s per 1,000', 'RSS MiB', 'p50 ms', 'p99 ms'];
  const cells = rows.map((r) => [
    r.label,
    r.perSecond.toFixed(0),
    r.cpuPer1000.toFixed(2),
    r.rss.toFixed(0),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
  ]);
  console.log(textTable(header, cells));
  const m = machine();
  const date = new Date().toISOString().slice(0, 10);
  const commit = gitDescribe(repo);
  writeSection(
    path.join(repo, 'BENCHMARKS.md'),
    `notify-${date}-${commit}`,
    `## Notifications: outbox throughput and latency (${date}, \`npm run bench:notify\`)

Commit ${commit}; ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB, ${m.os}, Node ${m.node}; load average
${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end (the machine is shared: compare rows of one run).
Each alert is its own group (group_by [alertname, n], group_wait 0), so one alert = one webhook
notification to a receiver in its own Node process. Burst: ${burst} alerts at once; deliveries/s is
${burst} over the time from the first alert to the last delivery. Latency: ${rate} alerts/s for
${rateSeconds} s, time from firing (Vigil: the rule evaluation handing the alert over; Alertmanager:
the POST /api/v2/alerts) to the receiver reading it. Vigil writes every notification to its outbox
and its delivery log before and after sending; Alertmanager keeps its queue in memory. RSS: Vigil's
is the bench process's (the notifier and its store run in it) after the run; Alertmanager's is read
from /proc after its run.

${mdTable(header, cells)}
`,
  );
} finally {
  fs.rmSync(work, { recursive: true, force: true });
  await cleanup();
}

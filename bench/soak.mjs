// npm run soak — Vigil under steady load for a long time: memory, event-loop stalls, store growth.
//
//   1,000 http checks every 1 s against one local nginx (targets-nginx), plus SOAK_FLAPPERS checks
//   every 1 s against a target in this process that answers 200 and 500 by turns (SOAK_FLAP_S
//   each), with three alert rules (one fires and resolves with the flapping target, two read all
//   1,000 checks' series) evaluated every 5 s, and a webhook channel to a receiver in this
//   process: probes, rule evaluation and outbox traffic at once.
//   Every 10 s it samples Vigil's RSS (/proc), the event-loop delay Vigil reports on /metrics
//   (vigil_nodejs_eventloop_lag_max_seconds and _p99_seconds: prom-client's monitorEventLoopDelay,
//   reset at each scrape, so each sample is the worst delay of the 10 s before it), the probes
//   answered (nginx's request counter), notifications received, and the store's size on disk.
//
//   Goals (issue 16): RSS growth after the first 10 minutes < 10%; no event-loop stall > 100 ms;
//   the store's size as retention predicts. Retention is set to its minimum (1 h for results,
//   samples and minute rollups), so a run longer than an hour shows pruning; a shorter run reports
//   the growth rate and the size it predicts at one retention period.
//
// Environment (all optional):
//   SOAK_MINUTES=60        length of the run
//   SOAK_WARM_MINUTES      minutes left out of the RSS growth figure (default 10; a quarter of
//                          shorter runs than 40 minutes, said so in the result)
//   SOAK_CHECKS=1000       http checks against nginx      SOAK_BASE=22001  first nginx port
//   SOAK_FLAPPERS=20       checks against the flapping target
//   SOAK_FLAP_S=30         seconds up, then seconds down
//   SOAK_NICE=-10          nice value for Vigil and nginx (0 = leave as is): the machine may be
//                          shared, and a starved daemon measures the machine, not Vigil
//   SOAK_WRITE=1           write the result to BENCHMARKS.md (0: print only)
//   SOAK_NODE_ARGS         extra node flags for Vigil, e.g. "--trace-gc" (its output goes to vigil.log)
//   SOAK_NOTE              a sentence on the machine's other load during the run, for the record
//   VIGIL_PEER_BENCH_DIR   where targets-nginx lives (default ../shared/bench beside the repo)
// Needs `npm run build` (it runs a copy of dist/ and bin/, so rebuilding meanwhile is harmless).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  adopt,
  atCleanup,
  cleanup,
  gitDescribe,
  groupNice,
  httpGet,
  installSignalHandlers,
  machine,
  mdTable,
  parseExposition,
  quantile,
  sleep,
  snapshotBuild,
  start,
  stop,
  waitFor,
  writeSection,
} from './harness.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const peerDir = env.VIGIL_PEER_BENCH_DIR ?? path.resolve(repo, '../shared/bench');
const num = (name, dflt) => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : dflt);
const minutes = num('SOAK_MINUTES', 60);
const warmMinutes = num('SOAK_WARM_MINUTES', minutes >= 40 ? 10 : Math.max(1, Math.round(minutes / 4)));
const checks = num('SOAK_CHECKS', 1000);
const base = num('SOAK_BASE', 22001);
const flappers = num('SOAK_FLAPPERS', 20);
const flapS = num('SOAK_FLAP_S', 30);
const write = env.SOAK_WRITE !== '0';
const nice = num('SOAK_NICE', -10);
const sampleMs = 10_000;
const log = (s) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

if (!fs.existsSync(path.join(repo, 'dist/daemon.js'))) throw new Error('run `npm run build` first');
installSignalHandlers();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-soak-'));
atCleanup(() => fs.rmSync(work, { recursive: true, force: true }));
const vigilDir = path.join(work, 'build');
const build = snapshotBuild(repo, vigilDir);

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

// The flapping target: up for flapS seconds, down for flapS seconds.
const t0 = Date.now();
const flapTarget = http.createServer((_req, res) => {
  const up = Math.floor((Date.now() - t0) / 1000 / flapS) % 2 === 0;
  res.writeHead(up ? 200 : 500).end(up ? 'ok' : 'down');
});
const flapPort = await listen(flapTarget);

// The webhook receiver: counts what it is sent, answers 200.
let notifications = 0;
let alertsInNotifications = 0;
const receiver = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => {
    raw += c;
  });
  req.on('end', () => {
    notifications++;
    try {
      alertsInNotifications += JSON.parse(raw).alerts?.length ?? 0;
    } catch {
      // counted all the same
    }
    res.end('ok');
  });
});
const receiverPort = await listen(receiver);
atCleanup(() => {
  flapTarget.close();
  receiver.close();
});

// nginx
log(`starting nginx with ${checks} targets on ${base}…${base + checks - 1}`);
const nginxStart = start(
  'targets-nginx',
  path.join(peerDir, 'targets-nginx'),
  [String(checks), String(base), path.join(work, 'nginx')],
  { capture: true, nice },
);
await nginxStart.done;
const nginxPid = Number(nginxStart.stdout.trim().split('\n').pop());
if (!nginxPid) throw new Error(`targets-nginx failed: ${nginxStart.stderr}`);
adopt('nginx', nginxPid);
if (nice) groupNice(nginxPid, nice); // nginx started its own session
await waitFor(
  'nginx',
  async () => (await httpGet(`http://127.0.0.1:${base + checks - 1}/health`, 1000)).status === 200,
);
const nginxRequests = async () => {
  const r = await httpGet(`http://127.0.0.1:${base - 1}/status`, 5000);
  return Number(r.body.split('\n')[2].trim().split(/\s+/)[2]);
};

// Vigil
const placeholder = http.createServer();
const vigilPort = await listen(placeholder);
await new Promise((r) => placeholder.close(r));
const db = path.join(work, 'vigil.db');
const cfg = path.join(work, 'vigil.yaml');
const lines = [
  `storage: sqlite:${db}`,
  `server: { listen: 127.0.0.1:${vigilPort} }`,
  'retention: { results: 1h, samples: 1h, minute_rollups: 1h, hour_rollups: 1d, day_rollups: 1d }',
  'evaluation_interval: 5s',
  'checks:',
];
for (let i = 0; i < checks; i++)
  lines.push(
    `  - { name: t${base + i}, http: { url: "http://127.0.0.1:${base + i}/health" }, every: 1s, timeout: 1s }`,
  );
for (let i = 0; i < flappers; i++)
  lines.push(
    `  - { name: flap${i}, http: { url: "http://127.0.0.1:${flapPort}/f${i}" }, every: 1s, timeout: 1s }`,
  );
lines.push(
  'alerts:',
  '  - name: FlappingTargetDown',
  '    condition: up{check=~"flap.*"} == 0',
  '    severity: warning',
  '  - name: ManyTargetsDown',
  '    condition: count(up == 0) > 500',
  '    severity: critical',
  '  - name: TargetsSlow',
  '    condition: avg(max_over_time(http_duration_seconds{phase="ttfb"}[1m])) > 1',
  '    severity: warning',
  'notify:',
  `  - { name: hook, webhook: { url: "http://127.0.0.1:${receiverPort}/hook" }, group_wait: 0s, group_interval: 1s, group_by: [alertname, check] }`,
);
fs.writeFileSync(cfg, `${lines.join('\n')}\n`);
log(`starting Vigil (build ${build.hash ?? ''}) on 127.0.0.1:${vigilPort}`);
const nodeArgs = (env.SOAK_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const vigil = start(
  'vigil',
  process.execPath,
  [...nodeArgs, path.join(vigilDir, 'bin/vigil.js'), 'up', '--config', cfg],
  {
    cwd: work,
    env: { VIGIL_LOG_LEVEL: 'warn' },
    logFile: path.join(work, 'vigil.log'),
    nice,
  },
);
const vigilUrl = `http://127.0.0.1:${vigilPort}`;
await waitFor(
  'Vigil /health',
  async () => {
    if (vigil.exited)
      throw new Error(`Vigil exited: ${fs.readFileSync(path.join(work, 'vigil.log'), 'utf8')}`);
    return (await httpGet(`${vigilUrl}/health`, 2000)).status === 200;
  },
  180_000,
);
const pid = vigil.child.pid;

const rssBytes = () => {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
};
// Where the resident memory sits: malloc's main arena (the [heap] mapping) apart from the rest,
// so native growth is told from the V8 heap's (whose committed size /metrics reports).
const brkBytes = () => {
  const m = /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
};
const cpuTicks = () => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};
const storeBytes = () =>
  ['', '-wal', '-shm'].reduce((n, s) => {
    try {
      return n + fs.statSync(db + s).size;
    } catch {
      return n;
    }
  }, 0);
const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const samples = [];
const jsonl = path.join(os.tmpdir(), `vigil-soak-${process.pid}.jsonl`);
log(`running ${minutes} min; samples every 10 s in ${jsonl}`);
const startedAt = Date.now();
let prevReq = await nginxRequests();
let prevTicks = cpuTicks();
let prevAt = Date.now();
const hz = 100;
let healthWorstMs = 0;
while (Date.now() - startedAt < minutes * 60_000) {
  await sleep(sampleMs - ((Date.now() - startedAt) % sampleMs));
  if (vigil.exited) throw new Error(`Vigil exited: ${fs.readFileSync(path.join(work, 'vigil.log'), 'utf8')}`);
  const at = Date.now();
  const health = await httpGet(`${vigilUrl}/health`, 30_000);
  healthWorstMs = Math.max(healthWorstMs, health.ms);
  const m = parseExposition((await httpGet(`${vigilUrl}/metrics`, 30_000)).body);
  const req = await nginxRequests();
  const ticks = cpuTicks();
  const s = {
    t: Math.round((at - startedAt) / 1000),
    rss: rssBytes(),
    lagMaxMs: (m.vigil_nodejs_eventloop_lag_max_seconds ?? Number.NaN) * 1000,
    lagP99Ms: (m.vigil_nodejs_eventloop_lag_p99_seconds ?? Number.NaN) * 1000,
    probesPerS: ((req - prevReq - 1) * 1000) / (at - prevAt), // minus our own /status request
    cpuPct: ((ticks - prevTicks) / hz / ((at - prevAt) / 1000)) * 100,
    store: storeBytes(),
    // what tells a leak from a backlog: the JS heap, and work waiting inside Vigil
    heap: m.vigil_nodejs_heap_size_used_bytes ?? Number.NaN,
    heapTotal: m.vigil_nodejs_heap_size_total_bytes ?? Number.NaN,
    external: m.vigil_nodejs_external_memory_bytes ?? Number.NaN,
    brk: brkBytes(),
    queued: m.vigil_check_runs_queued ?? Number.NaN,
    skipped: m.vigil_check_runs_skipped_total ?? Number.NaN,
    pendingResults: m.vigil_results_pending ?? Number.NaN,
    pendingBytes: m.vigil_results_pending_bytes ?? Number.NaN,
    dropped: (m.vigil_results_dropped_total ?? 0) + (m.vigil_samples_dropped_total ?? 0),
    notifications,
    healthMs: Math.round(health.ms),
    load: loadavg(),
  };
  prevReq = req;
  prevTicks = ticks;
  prevAt = at;
  samples.push(s);
  fs.appendFileSync(jsonl, `${JSON.stringify(s)}\n`);
  if (samples.length % 6 === 0)
    log(
      `${s.t}s rss ${(s.rss / 2 ** 20).toFixed(0)} MiB, heap ${(s.heap / 2 ** 20).toFixed(0)} MiB, queued ${s.queued}, pending results ${s.pendingResults}, lag max ${s.lagMaxMs.toFixed(0)} ms, ${s.probesPerS.toFixed(0)} probes/s, cpu ${s.cpuPct.toFixed(0)}%, store ${(s.store / 2 ** 20).toFixed(0)} MiB, ${notifications} notifications, load ${s.load}`,
    );
}

// Rows in the store at the end, to tell results from samples in the size.
const counts = {};
try {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  for (const t of [
    'check_results',
    'samples',
    'series',
    'rollups',
    'notifications',
    'notification_attempts',
  ]) {
    try {
      counts[t] = d.prepare(`select count(*) as n from ${t}`).get().n;
    } catch {
      // no such table in this version
    }
  }
  d.close();
} catch (e) {
  log(`cannot count rows: ${e.message}`);
}
await stop(vigil, 30_000);
await cleanup();

// ---------------------------------------------------------------------------------------------
// results

const after = samples.filter((s) => s.t > warmMinutes * 60);
const first = after[0] ?? samples[0];
const last = samples.at(-1);
// The heap swings by a hundred MiB or more between collections, so one sample against another
// measures where the collector happened to be: the medians of the five minutes after the warm-up
// and of the last five minutes are compared instead (both ends are in the table below).
const medianOf = (xs) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const early = after.filter((s) => s.t <= (warmMinutes + 5) * 60);
const late = samples.filter((s) => s.t > last.t - 5 * 60);
const rssEarly = medianOf(early.map((s) => s.rss));
const rssLate = medianOf(late.map((s) => s.rss));
const rssGrowth = ((rssLate - rssEarly) / rssEarly) * 100;
const rssMax = Math.max(...after.map((s) => s.rss));
const lagMax = Math.max(...samples.map((s) => s.lagMaxMs));
const lagMaxAfter = Math.max(...after.map((s) => s.lagMaxMs));
const p99s = samples.map((s) => s.lagP99Ms).sort((a, b) => a - b);
const stalls = samples.filter((s) => s.lagMaxMs > 100).length;
const probes = samples.map((s) => s.probesPerS).sort((a, b) => a - b);
const cpu = samples.map((s) => s.cpuPct).sort((a, b) => a - b);
const perMin = ((last.store - first.store) / ((last.t - first.t) / 60)) | 0;
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const expected = (checks + flappers) * 1;
const m = machine();
const now = new Date();
const ok = (b) => (b ? 'met' : '**not met**');
const everyMinute = samples.filter((_, i) => (i + 1) % 6 === 0);
const table = mdTable(
  [
    'minute',
    'RSS',
    'JS heap used / committed',
    'malloc [heap]',
    'runs queued / skipped in all',
    'results pending',
    'event-loop delay, max / p99 (10 s)',
    'probes/s',
    'CPU % of a core',
    'store',
    'notifications',
    'load',
  ],
  everyMinute.map((s) => [
    (s.t / 60).toFixed(0),
    mib(s.rss),
    `${mib(s.heap)} / ${mib(s.heapTotal)}`,
    mib(s.brk),
    `${s.queued} / ${s.skipped}`,
    `${s.pendingResults} (${mib(s.pendingBytes)})`,
    `${s.lagMaxMs.toFixed(0)} / ${s.lagP99Ms.toFixed(0)} ms`,
    s.probesPerS.toFixed(0),
    s.cpuPct.toFixed(0),
    mib(s.store),
    String(s.notifications),
    s.load,
  ]),
);
// Settings of the C allocator in the environment change what RSS measures: the report names them.
const allocatorEnv = Object.entries(env)
  .filter(([k]) => k === 'GLIBC_TUNABLES' || k === 'LD_PRELOAD' || k.startsWith('MALLOC_'))
  .map(([k, v]) => `${k}=${v} `)
  .join('');
const body = `## Soak: ${minutes} min at ${expected.toLocaleString('en')} probes/s — ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC

- Command: \`${allocatorEnv}SOAK_MINUTES=${minutes} npm run soak\`. ${checks.toLocaleString('en')} http checks every 1 s against one nginx
  (targets-nginx), ${flappers} every 1 s against a target that answers 200 and 500 by turns (${flapS} s each), three
  alert rules every 5 s (one follows the flapping target; \`count(up == 0) > 500\` and
  \`avg(max_over_time(http_duration_seconds{phase="ttfb"}[1m])) > 1\` read every check's series), a webhook
  channel to a local receiver (group_by alertname, check). SQLite store, retention at its minimum (1 h).
  Vigil and nginx at nice ${nice}.
- Vigil build ${gitDescribe(repo)}; ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB, ${m.os}, Node ${m.node}.
- Load: the machine was shared during the run${env.SOAK_NOTE ? ` (${env.SOAK_NOTE})` : ''}; load average
  ${samples[0]?.load} at the start, ${last.load} at the end, ${quantile(
    samples.map((s) => Number(s.load.split(' ')[0])).sort((a, b) => a - b),
    0.5,
  ).toFixed(2)} median (1-minute figures; 2 cores).

| measure | result | goal |
| --- | --- | --- |
| RSS growth after minute ${warmMinutes}: median of the next 5 minutes → median of the last 5 | ${rssGrowth.toFixed(1)}% (${mib(rssEarly)} → ${mib(rssLate)}; single samples ${mib(first.rss)} → ${mib(last.rss)}, max ${mib(rssMax)}) | < 10% ${ok(rssGrowth < 10)}${warmMinutes < 10 ? ` (warm-up ${warmMinutes} min, not 10: a ${minutes}-minute run)` : ''} |
| JS heap used from minute ${warmMinutes} to the end | ${mib(first.heap)} → ${mib(last.heap)} | |
| where RSS sits, medians of the same two windows: V8 heap committed / malloc's main arena ([heap]) / the rest | ${mib(medianOf(early.map((s) => s.heapTotal)))} → ${mib(medianOf(late.map((s) => s.heapTotal)))} / ${mib(medianOf(early.map((s) => s.brk)))} → ${mib(medianOf(late.map((s) => s.brk)))} / ${mib(medianOf(early.map((s) => s.rss - s.heapTotal - s.brk)))} → ${mib(medianOf(late.map((s) => s.rss - s.heapTotal - s.brk)))} | |
| runs skipped (overdue when due again) / results and samples dropped | ${last.skipped} / ${last.dropped} | |
| worst event-loop delay | ${lagMax.toFixed(0)} ms (${lagMaxAfter.toFixed(0)} ms after minute ${warmMinutes}); ${stalls} of ${samples.length} 10-s windows above 100 ms | < 100 ms ${ok(lagMax < 100)} |
| event-loop delay p99 per 10 s, median / worst | ${quantile(p99s, 0.5).toFixed(1)} / ${p99s.at(-1).toFixed(1)} ms | |
| probes answered per second, median / worst 10 s | ${quantile(probes, 0.5).toFixed(0)} / ${probes[0].toFixed(0)} (scheduled ${expected.toLocaleString('en')}; nginx counts only its ${checks.toLocaleString('en')}) | |
| Vigil CPU, median / worst 10 s | ${quantile(cpu, 0.5).toFixed(0)}% / ${cpu.at(-1).toFixed(0)}% of one core | |
| slowest /health during the run | ${healthWorstMs.toFixed(0)} ms | |
| notifications received | ${notifications} (${alertsInNotifications} alerts in them) | |
| store on disk at the end | ${mib(last.store)} (database + WAL); ${Object.entries(counts)
  .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
  .join(', ')} rows | |
| store growth after minute ${warmMinutes} | ${mib(perMin)}/min → ${mib(perMin * 60)} at one retention period (1 h) if growth is linear${minutes > 75 ? '' : '; this run is shorter than the retention, so no pruning is seen'} | as retention predicts |

${table}
`;
process.stdout.write(`${body}\n`);
if (write)
  writeSection(
    path.join(repo, 'BENCHMARKS.md'),
    `soak ${now.toISOString().slice(0, 10)} ${minutes}min ${gitDescribe(repo).split(' ')[0]}`,
    body,
  );
fs.rmSync(jsonl, { force: true });
process.exit(0);

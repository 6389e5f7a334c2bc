// npm run bench:checks — Vigil's checks beside Prometheus + blackbox_exporter, in one run, on one machine.
//
//   1. 1,000 targets, 1,000 checks every 1 s: Vigil (keepalive: false, then true), then the peer
//   2. 10,000 targets, 10,000 checks every 10 s: Vigil, then the peer
//   3. 90 days of rollups for 1,000 checks: GET /api/v1/availability?window=90d round trips
//
// Environment (all optional):
//   BENCH_QUICK=1          short windows for trying things out (15 s window, 5 s warm-up); no BENCHMARKS.md
//   BENCH_WINDOW=60        measured seconds per run          BENCH_WARM=15   warm-up seconds before it
//   BENCH_ONLY=a,b         run only these of: vigil-1s, vigil-1s-keepalive, peer-1s, availability,
//                          vigil-10s, peer-10s
//   BENCH_WRITE=0|1        update BENCHMARKS.md (default 1, 0 in quick mode)
//   BENCH_KEEP=1           keep the work directory (configs, logs, databases)
//   BENCH_CONCURRENCY=256  scheduler.concurrency for Vigil
//   BENCH_API_CALLS=15     timed availability calls per window
//   BENCH_NICE=-10         nice value for every process under test (both sides alike; 0 = leave as is):
//                          the machine may be shared with other work
//   BENCH_QUIET=30         before each scenario wait (up to 60 s) until the rest of the machine uses less
//                          than this % of a core
//   BENCH_BASE_1S=20001    first target port for 1,000 targets (status page on the port before it)
//   BENCH_BASE_10S=10001   first target port for 10,000 targets
//   BENCH_VIGIL_NODE_ARGS  extra node flags for Vigil, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
//   VIGIL_PEER_BENCH_DIR   where targets-nginx, peer-prometheus-blackbox and procstat live
//                          (default ../shared/bench beside the repo)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import {
  adopt,
  atCleanup,
  cleanup,
  gitDescribe,
  httpGet,
  installSignalHandlers,
  jitter,
  jsonLines,
  machine,
  mdTable,
  median,
  parseExposition,
  quantile,
  sleep,
  snapshotBuild,
  start,
  stop,
  stopPid,
  systemBusy,
  textTable,
  versionOf,
  vigilToken,
  waitFor,
  writeSection,
} from './harness.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const peerDir = process.env.VIGIL_PEER_BENCH_DIR ?? path.resolve(repo, '../shared/bench');
const env = process.env;
const quick = env.BENCH_QUICK === '1';
const num = (name, dflt) => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : dflt);

const P = {
  window: num('BENCH_WINDOW', quick ? 15 : 60),
  warm: num('BENCH_WARM', quick ? 5 : 15),
  concurrency: num('BENCH_CONCURRENCY', 256),
  apiCalls: num('BENCH_API_CALLS', quick ? 5 : 15),
  nice: num('BENCH_NICE', -10),
  quietPct: num('BENCH_QUIET', 30),
  targets1s: 1000,
  checks10s: 10_000,
  seedDays: 95,
  // 1,000 targets on 20001…21000. 10,000 need a range clear of other services: 20001–30000 holds
  // RabbitMQ's 25672 on the development machines and 32768+ is the ephemeral range, so 10001–20000.
  base1s: num('BENCH_BASE_1S', 20001),
  base10s: num('BENCH_BASE_10S', 10001),
  vigilPort: 9880,
  promPort: 9890,
  blackboxPort: 9815,
};
const all = ['vigil-1s', 'vigil-1s-keepalive', 'peer-1s', 'availability', 'vigil-10s', 'peer-10s'];
const only = new Set(env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((s) => s.trim()) : all);
for (const s of only)
  if (!all.includes(s)) throw new Error(`BENCH_ONLY: unknown scenario "${s}" (one of ${all})`);
const writeResults = env.BENCH_WRITE ? env.BENCH_WRITE === '1' : !quick;
const vigilUrl = `http://127.0.0.1:${P.vigilPort}`;
/** The build under test: a private copy of dist/ taken at the start, so a rebuild meanwhile changes nothing. */
let vigilDir = repo;
let nextDue;
let phaseOf;
const log = (s) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

// ---------------------------------------------------------------------------------------------
// preflight

function preflight() {
  const missing = [];
  for (const s of ['targets-nginx', 'peer-prometheus-blackbox', 'procstat']) {
    if (!fs.existsSync(path.join(peerDir, s))) missing.push(`${peerDir}/${s}`);
  }
  for (const bin of ['nginx', 'prometheus', 'prometheus-blackbox-exporter', 'bc', 'curl', 'python3']) {
    const found = (env.PATH ?? '')
      .split(':')
      .concat(['/usr/sbin', '/sbin'])
      .some((d) => fs.existsSync(path.join(d, bin)));
    if (!found) missing.push(bin);
  }
  if (!fs.existsSync(path.join(repo, 'dist/cli/main.js'))) missing.push('dist/ (run npm run build)');
  if (missing.length) {
    throw new Error(
      `missing: ${missing.join(', ')}\n  apt-get update && apt-get install -y prometheus prometheus-blackbox-exporter nginx-light bc`,
    );
  }
  const busy = listeningPorts();
  const want = [
    [P.vigilPort, P.vigilPort],
    [P.promPort, P.promPort],
    [P.blackboxPort, P.blackboxPort],
  ];
  if (['vigil-1s', 'vigil-1s-keepalive', 'peer-1s', 'availability'].some((k) => only.has(k))) {
    want.push([P.base1s - 1, P.base1s + P.targets1s - 1]);
  }
  if (only.has('vigil-10s') || only.has('peer-10s')) want.push([P.base10s - 1, P.base10s + P.checks10s - 1]);
  const taken = [...busy].filter((p) => want.some(([a, b]) => p >= a && p <= b));
  if (taken.length) {
    const ranges = want.map(([a, b]) => (a === b ? a : `${a}-${b}`)).join(', ');
    throw new Error(
      `ports this benchmark needs are in use: ${taken.slice(0, 10).join(', ')} (needs ${ranges}; BENCH_BASE_1S and BENCH_BASE_10S move the targets)`,
    );
  }
}

/** Loopback/any TCP ports in LISTEN state, from /proc/net/tcp{,6}. */
function listeningPorts() {
  const out = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A') out.add(Number.parseInt(cols[1].split(':')[1], 16));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// targets

async function startTargets(n, base, work) {
  const dir = path.join(work, `nginx-${n}`);
  const s = start('targets-nginx', path.join(peerDir, 'targets-nginx'), [String(n), String(base), dir], {
    capture: true,
    nice: P.nice,
  });
  await s.done;
  const pid = Number(s.stdout.trim().split('\n').pop());
  if (!pid) throw new Error(`targets-nginx failed: ${s.stderr}`);
  adopt('nginx', pid);
  await waitFor(
    `nginx on ${base + n - 1}`,
    async () => (await httpGet(`http://127.0.0.1:${base + n - 1}/health`, 1000)).status === 200,
  );
  log(`nginx ${pid}: ${n} targets on 127.0.0.1:${base}…${base + n - 1}`);
  return { pid, base, n };
}

async function nginxRequests(base) {
  const r = await httpGet(`http://127.0.0.1:${base - 1}/status`, 5000);
  return Number(r.body.split('\n')[2].trim().split(/\s+/)[2]);
}

// ---------------------------------------------------------------------------------------------
// Vigil

function vigilConfig({ db, n, base, perPort = 1, every, timeout, keepalive }) {
  const lines = [
    `storage: sqlite:${db}`,
    `server: { listen: 127.0.0.1:${P.vigilPort} }`,
    `scheduler: { concurrency: ${P.concurrency} }`,
    'checks:',
  ];
  for (let i = 0; i < n; i++) {
    const port = base + Math.floor(i / perPort);
    lines.push(
      `  - { name: t${base + i}, http: { url: "http://127.0.0.1:${port}/health", keepalive: ${keepalive} }, every: ${every}, timeout: ${timeout} }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function startVigil(dir, configText, label) {
  const cfg = path.join(dir, 'vigil.yaml');
  fs.writeFileSync(cfg, configText);
  const logFile = path.join(dir, 'vigil.log');
  const nodeArgs = (env.BENCH_VIGIL_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const v = start(
    label,
    process.execPath,
    [...nodeArgs, path.join(vigilDir, 'bin/vigil.js'), 'up', '--config', cfg],
    {
      cwd: dir,
      env: { VIGIL_LOG_LEVEL: env.VIGIL_LOG_LEVEL ?? 'warn' },
      logFile,
      nice: P.nice,
    },
  );
  try {
    await waitFor(
      'Vigil /health',
      async () => {
        if (v.exited) throw new Error(`Vigil exited: ${tail(logFile)}`);
        return (await httpGet(`${vigilUrl}/health`, 2000)).status === 200;
      },
      120_000,
    );
  } catch (e) {
    await stop(v);
    throw e;
  }
  return v;
}

const tail = (file, n = 5) => {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
};

async function vigilMetrics() {
  return parseExposition((await httpGet(`${vigilUrl}/metrics`, 10_000)).body);
}

async function procstat(window, procs) {
  const s = start(
    'procstat',
    path.join(peerDir, 'procstat'),
    [String(window), ...Object.entries(procs).map(([k, v]) => `${k}=${v}`)],
    { capture: true },
  );
  await s.done;
  const lines = jsonLines(s.stdout);
  if (!lines.length) throw new Error(`procstat printed nothing: ${s.stderr}`);
  return lines;
}

/** One Vigil run against running targets: warm-up, measured window, stop, then read the store. */
async function runVigil(work, { key, n, base, perPort, everyMs, timeout, keepalive, warm }) {
  const dir = fs.mkdtempSync(path.join(work, `${key}-`));
  const db = path.join(dir, 'vigil.db');
  const every = `${everyMs / 1000}s`;
  log(`${key}: starting Vigil with ${n} checks every ${every}, keepalive: ${keepalive}`);
  const v = await startVigil(dir, vigilConfig({ db, n, base, perPort, every, timeout, keepalive }), 'vigil');
  const pid = v.child.pid;
  try {
    log(`${key}: Vigil ${pid} up; warm-up ${warm}s, then ${P.window}s measured`);
    await sleep(Math.max(0, warm - 2) * 1000);
    // Vigil's own counters are read 2 s before the window and just after it: rendering /metrics for
    // 10,000 checks takes a few hundred ms, which would otherwise show as lateness inside the window.
    const m0 = await vigilMetrics();
    await sleep(2000);
    const n0 = await nginxRequests(base);
    const t0 = Date.now();
    const ps = await procstat(P.window, { vigil: pid });
    const n1 = await nginxRequests(base);
    const t1 = Date.now();
    const m1 = await vigilMetrics();
    const vp = ps.find((l) => l.proc === 'vigil');
    const sys = ps.find((l) => l.proc === 'system');
    await stop(v, 30_000); // SIGTERM: Vigil flushes its write buffer before exiting
    if (v.code !== 0)
      log(`${key}: Vigil exited with ${v.code ?? v.signal}: ${tail(path.join(dir, 'vigil.log'))}`);

    const sdb = new Database(db, { readonly: true });
    const rows = sdb
      .prepare(
        'select check_name, started_at, status, message from check_results where started_at >= ? and started_at < ? order by check_name, started_at',
      )
      .all(t0, t1);
    sdb.close();
    const schedule = { type: 'every', everyMs };
    const late = [];
    const starts = new Map();
    const failures = new Map();
    for (const r of rows) {
      late.push(r.started_at - (nextDue(schedule, r.check_name, r.started_at) - everyMs));
      const s = starts.get(r.check_name);
      if (s) s.push(r.started_at);
      else starts.set(r.check_name, [r.started_at]);
      if (r.status !== 'ok') failures.set(r.message, (failures.get(r.message) ?? 0) + 1);
    }
    late.sort((a, b) => a - b);
    const jit = jitter(starts, everyMs);
    const secs = (t1 - t0) / 1000;
    const probesPerS = rows.length / secs;
    const cores = vp.cpu_pct / 100;
    const d = (k) => (m1[k] ?? 0) - (m0[k] ?? 0);
    const failed = [...failures.values()].reduce((a, b) => a + b, 0);
    return {
      key,
      side: `Vigil (keepalive: ${keepalive})`,
      schedule: `${n.toLocaleString('en')} checks @ ${every}`,
      scheduledPerS: n / (everyMs / 1000),
      windowS: secs,
      probes: rows.length,
      probesPerS,
      nginxPerS: (n1 - n0) / secs,
      cpuPct: vp.cpu_pct,
      cpuSPer1k: (cores / probesPerS) * 1000,
      probesPerCpuS: probesPerS / cores,
      lateP50: quantile(late, 0.5),
      lateP99: quantile(late, 0.99),
      lateMax: late.at(-1),
      jitP50: quantile(jit, 0.5),
      jitP99: quantile(jit, 0.99),
      rssMiB: vp.rss_mb,
      rssMaxMiB: vp.rss_max_mb,
      metricsRssMiB: (m1.vigil_process_resident_memory_bytes ?? 0) / 2 ** 20,
      failures: failed,
      failureKinds: [...failures].sort((a, b) => b[1] - a[1]).slice(0, 3),
      started: d('vigil_check_runs_started_total'),
      skipped: d('vigil_check_runs_skipped_total'),
      dropped: d('vigil_results_dropped_total'),
      written: d('vigil_results_written_total'),
      pendingAtEnd: m1.vigil_results_pending ?? null,
      queuedAtEnd: m1.vigil_check_runs_queued ?? null,
      restOfMachine: sys ? sys.busy_pct_of_all_cores * sys.cores - vp.cpu_pct : undefined,
    };
  } finally {
    await stop(v, 30_000);
  }
}

// ---------------------------------------------------------------------------------------------
// the peer: Prometheus + blackbox_exporter, through the shared harness

async function promQuery(q) {
  const r = await httpGet(
    `http://127.0.0.1:${P.promPort}/api/v1/query?query=${encodeURIComponent(q)}`,
    30_000,
  );
  const body = JSON.parse(r.body);
  if (body.status !== 'success') throw new Error(`Prometheus: ${r.body.slice(0, 200)}`);
  return body.data;
}

async function runPeer({ key, n, base, interval, warm }) {
  log(`${key}: Prometheus + blackbox_exporter probing ${n} targets every ${interval}s; warm-up ${warm}s`);
  const t = Date.now();
  const p = start(
    'peer',
    path.join(peerDir, 'peer-prometheus-blackbox'),
    [String(n), `${interval}s`, String(P.window), String(warm)],
    {
      env: {
        TARGETS_BASE: String(base),
        PROM_PORT: String(P.promPort),
        BLACKBOX_PORT: String(P.blackboxPort),
      },
      capture: true,
      nice: P.nice,
    },
  );
  try {
    // Read scrape times and failures from Prometheus near the end of the measured window, before the
    // script stops it: over the last `range` seconds, all inside the window.
    const range = Math.max(5, P.window - 8);
    const at = t + (warm + P.window - 3) * 1000;
    while (Date.now() < at && !p.exited) await sleep(200);
    let scrape = {};
    if (!p.exited) {
      try {
        scrape = await peerScrapeStats(range, interval);
      } catch (e) {
        log(`${key}: could not read scrape times from Prometheus: ${e.message}`);
      }
    }
    const timer = setTimeout(() => void stop(p), 120_000);
    await p.done;
    clearTimeout(timer);
    const lines = jsonLines(p.stdout);
    const pr = lines.find((l) => l.proc === 'prometheus');
    const bb = lines.find((l) => l.proc === 'blackbox');
    const sys = lines.find((l) => l.proc === 'system');
    const sum = lines.find((l) => l.peer);
    if (!pr || !bb || !sum)
      throw new Error(`peer script output incomplete:\n${p.stdout}\n${p.stderr.slice(-2000)}`);
    const cpuPct = pr.cpu_pct + bb.cpu_pct;
    const cores = cpuPct / 100;
    return {
      key,
      side: 'Prometheus + blackbox',
      schedule: `${n.toLocaleString('en')} targets @ ${interval}s`,
      scheduledPerS: n / interval,
      windowS: pr.window_s,
      probesPerS: sum.probes_per_s,
      nginxPerS: sum.probes_per_s,
      cpuPct,
      cpuDetail: `prometheus ${pr.cpu_pct.toFixed(1)}% + blackbox ${bb.cpu_pct.toFixed(1)}%`,
      cpuSPer1k: (cores / sum.probes_per_s) * 1000,
      probesPerCpuS: sum.probes_per_s / cores,
      jitP50: scrape.jitP50,
      jitP99: scrape.jitP99,
      rssMiB: pr.rss_mb + bb.rss_mb,
      rssMaxMiB: pr.rss_max_mb + bb.rss_max_mb,
      rssDetail: `prometheus ${pr.rss_max_mb.toFixed(0)} + blackbox ${bb.rss_max_mb.toFixed(0)} MiB`,
      failures: scrape.failures,
      failuresOf: scrape.scrapes,
      failureKinds: scrape.failures
        ? [[`${scrape.failedScrapes} scrapes failed, ${scrape.failedProbes} probes failed`, scrape.failures]]
        : [],
      scrapesFailedTotal: sum.scrapes_failed_total,
      restOfMachine: sys ? sys.busy_pct_of_all_cores * sys.cores - cpuPct : undefined,
    };
  } finally {
    await stop(p, 20_000);
  }
}

async function peerScrapeStats(range, interval) {
  const data = await promQuery(`up[${range}s]`);
  const starts = new Map();
  let scrapes = 0;
  let failedScrapes = 0;
  for (const s of data.result) {
    const ts = s.values.map(([t, v]) => {
      scrapes++;
      if (v !== '1') failedScrapes++;
      return Math.round(t * 1000);
    });
    starts.set(s.metric.instance, ts);
  }
  const jit = jitter(starts, interval * 1000);
  const fp = await promQuery(
    `sum(count_over_time(probe_success[${range}s])) - sum(sum_over_time(probe_success[${range}s]))`,
  );
  const failedProbes = Number(fp.result[0]?.value?.[1] ?? 0);
  return {
    jitP50: quantile(jit, 0.5),
    jitP99: quantile(jit, 0.99),
    scrapes,
    failedScrapes,
    failedProbes,
    failures: failedScrapes + failedProbes,
  };
}

// ---------------------------------------------------------------------------------------------
// availability API over 90 days of rollups

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Deterministic outages: some checks were down for a while, so availabilities differ. */
function outagesFor(i) {
  let s = (i * 2654435761 + 12345) >>> 0;
  const rnd = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
  const out = [];
  const count = i % 4;
  for (let k = 0; k < count; k++) {
    const start = Math.floor(rnd() * P.seedDays * 1440);
    const len = 1 + Math.floor(rnd() * 30);
    for (let m = 0; m < len; m++) out.push(start + m);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/**
 * Write what the daemon would have written for `n` checks running once a minute for `days` days,
 * pruned as the default retention prunes: minute rows for 2 days, hour rows for 95, day rows all.
 */
function seedRollups(dbFile, names, now) {
  const db = new Database(dbFile);
  db.pragma('synchronous = OFF');
  for (const t of ['rollups', 'check_results', 'samples', 'series', 'checks'])
    db.prepare(`delete from ${t}`).run();
  const first = Math.ceil((now - P.seedDays * DAY) / MIN) * MIN; // first minute with a run
  const checks = names.map((name, i) => {
    const phase = phaseOf(name, MIN);
    const last = Math.floor((now - 1 - phase) / MIN) * MIN; // last minute whose run started before now
    const down = outagesFor(i)
      .map((k) => first + k * MIN)
      .filter((m) => m <= last);
    return { name, first, last, down };
  });
  const countIn = (sorted, lo, hi) => {
    const lb = (x) => {
      let a = 0;
      let b = sorted.length;
      while (a < b) {
        const m = (a + b) >> 1;
        if (sorted[m] < x) a = m + 1;
        else b = m;
      }
      return a;
    };
    return lb(hi) - lb(lo);
  };
  const insert = db.prepare('insert into rollups values (?, ?, ?, ?, ?, ?, ?)');
  let rows = 0;
  const levels = [
    ['d', DAY, Math.floor(first / DAY) * DAY],
    ['h', HOUR, Math.ceil((now - 95 * DAY) / HOUR) * HOUR],
    ['m', MIN, Math.ceil((now - 2 * DAY) / MIN) * MIN],
  ];
  let batch = [];
  const flush = db.transaction((b) => {
    for (const r of b) insert.run(r);
  });
  for (const [res, size, from] of levels) {
    for (let bucket = from; bucket <= now; bucket += size) {
      for (const c of checks) {
        const lo = Math.max(bucket, c.first);
        const hi = Math.min(bucket + size - MIN, c.last);
        if (hi < lo) continue;
        const runs = (hi - lo) / MIN + 1;
        const up = runs - countIn(c.down, lo, hi + 1);
        batch.push([res, bucket, c.name, runs, up, runs * 1.5, 3]);
        if (batch.length === 100_000) {
          flush(batch);
          rows += batch.length;
          batch = [];
        }
      }
    }
  }
  flush(batch);
  rows += batch.length;
  db.close();
  return rows;
}

async function runAvailability(work, targets) {
  const key = 'availability';
  const dir = fs.mkdtempSync(path.join(work, `${key}-`));
  const db = path.join(dir, 'vigil.db');
  const n = 1000;
  const config = vigilConfig({ db, n, base: targets.base, every: '1m', timeout: '1s', keepalive: false });
  log(`${key}: creating a Vigil store with ${n} checks`);
  await stop(await startVigil(dir, config, 'vigil'), 30_000);
  const names = Array.from({ length: n }, (_, i) => `t${targets.base + i}`);
  const seededAt = Date.now();
  const t0 = performance.now();
  const rows = seedRollups(db, names, seededAt);
  const seedS = (performance.now() - t0) / 1000;
  const dbMiB = fs.statSync(db).size / 2 ** 20;
  log(
    `${key}: seeded ${rows.toLocaleString('en')} rollup rows in ${seedS.toFixed(1)}s (${dbMiB.toFixed(0)} MiB)`,
  );
  const v = await startVigil(dir, config, 'vigil');
  const auth = { authorization: `Bearer ${vigilToken(vigilDir, path.join(dir, 'vigil.yaml'))}` };
  try {
    const windows = {};
    for (const w of ['24h', '7d', '30d', '90d']) {
      const url = `${vigilUrl}/api/v1/availability?window=${w}`;
      const cold = await httpGet(url, 30_000, auth);
      if (cold.status !== 200) throw new Error(`GET ${url}: ${cold.status} ${cold.body.slice(0, 300)}`);
      const body = JSON.parse(cold.body);
      const times = [];
      for (let i = 0; i < P.apiCalls; i++) {
        await sleep(100);
        times.push((await httpGet(url, 30_000, auth)).ms);
      }
      const runs = body.checks.map((c) => c.runs).sort((a, b) => a - b);
      const avail = body.checks.map((c) => c.availability ?? 0);
      windows[w] = {
        checks: body.checks.length,
        bytes: cold.body.length,
        coldMs: cold.ms,
        medianMs: median(times),
        maxMs: Math.max(...times),
        calls: times.length,
        runsMedian: quantile(runs, 0.5),
        minAvailability: Math.min(...avail),
      };
      log(
        `${key}: ${w}: median ${windows[w].medianMs.toFixed(1)} ms, max ${windows[w].maxMs.toFixed(1)} ms (${body.checks.length} checks, median ${windows[w].runsMedian} runs each)`,
      );
    }
    return { key, rows, seedS, dbMiB, windows, expectedRuns90d: 90 * 1440 };
  } finally {
    await stop(v, 30_000);
  }
}

// ---------------------------------------------------------------------------------------------
// report

const f = (x, d = 0) => (x === undefined || x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const int = (x) =>
  x === undefined || x === null || Number.isNaN(x) ? 'n/a' : Math.round(x).toLocaleString('en');

function resultRows(results) {
  return results
    .filter((r) => r.side)
    .map((r) => [
      r.schedule,
      r.side,
      `${int(r.probesPerS)}${r.side.startsWith('Vigil') ? ` (${int(r.nginxPerS)})` : ''}`,
      f(r.cpuPct, 1),
      f(r.cpuSPer1k, 3),
      int(r.probesPerCpuS),
      r.lateP50 === undefined ? 'n/a' : `${f(r.lateP50)} / ${f(r.lateP99)}`,
      `${f(r.jitP50)} / ${f(r.jitP99)}`,
      `${f(r.rssMaxMiB)}`,
      r.failures === undefined ? 'n/a' : `${int(r.failures)} / ${int(r.failuresOf ?? r.probes)}`,
      f(r.restOfMachine),
    ]);
}

const resultHeader = [
  'schedule',
  'side',
  'probes/s stored (nginx req/s)',
  'CPU % of a core',
  'CPU s per 1,000 probes',
  'probes per CPU-s',
  'lateness p50 / p99 ms',
  'start jitter p50 / p99 ms',
  'RSS max MiB',
  'failed / probes',
  'rest of machine, % of a core',
];

function goals(results) {
  const by = Object.fromEntries(results.map((r) => [r.key, r]));
  const out = [];
  const v1 = by['vigil-1s'];
  const v1k = by['vigil-1s-keepalive'];
  const p1 = by['peer-1s'];
  const v10 = by['vigil-10s'];
  const av = by.availability;
  const yes = (ok) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**');
  if (v1?.probesPerS !== undefined) {
    // Stored at the scheduled rate (within 0.5% for the window's edges), nothing skipped or dropped,
    // and the write buffer not falling behind (at most two seconds of results unwritten at the end).
    const sustained = (r) =>
      r.probesPerS >= 0.995 * r.scheduledPerS &&
      r.skipped === 0 &&
      r.dropped === 0 &&
      r.pendingAtEnd <= 2 * r.scheduledPerS;
    out.push([
      '≥ 1,000 probes/s sustained, results stored',
      `${int(v1.probesPerS)}/s stored, ${int(v1.skipped)} skipped (keepalive: false)${v1k?.probesPerS ? `; ${int(v1k.probesPerS)}/s, ${int(v1k.skipped)} skipped (true)` : ''}`,
      yes(sustained(v1) && (!v1k?.probesPerS || sustained(v1k))),
    ]);
    out.push([
      'p99 lateness ≤ 50 ms at 1,000 probes/s',
      `${f(v1.lateP99)} ms (keepalive: false)${v1k?.lateP99 !== undefined ? `; ${f(v1k.lateP99)} ms (true)` : ''}`,
      yes(v1.lateP99 <= 50 && (v1k?.lateP99 === undefined || v1k.lateP99 <= 50)),
    ]);
  }
  if (v10?.rssMaxMiB !== undefined) {
    out.push([
      '10,000 checks @ 10 s: RSS ≤ 250 MB (238 MiB)',
      `${f(v10.rssMaxMiB)} MiB max, ${f(v10.rssMiB)} MiB at the end`,
      yes(v10.rssMaxMiB * 2 ** 20 <= 250e6),
    ]);
  }
  if (v1?.probesPerCpuS !== undefined && p1?.probesPerCpuS !== undefined) {
    const ratio = v1.probesPerCpuS / p1.probesPerCpuS;
    const kaRatio = v1k?.probesPerCpuS ? v1k.probesPerCpuS / p1.probesPerCpuS : undefined;
    out.push([
      '≥ 4× the peer’s probes per CPU-second (1,000 @ 1 s)',
      `${f(ratio, 2)}× with a fresh connection per probe, as blackbox does (${int(v1.probesPerCpuS)} vs ${int(p1.probesPerCpuS)})${kaRatio ? `; ${f(kaRatio, 2)}× with keepalive: true` : ''}`,
      yes(ratio >= 4),
    ]);
  }
  const p10 = by['peer-10s'];
  if (v10?.probesPerCpuS !== undefined && p10?.probesPerCpuS !== undefined) {
    out.push([
      '(same, 10,000 @ 10 s; not a stated goal)',
      `${f(v10.probesPerCpuS / p10.probesPerCpuS, 2)}× (${int(v10.probesPerCpuS)} vs ${int(p10.probesPerCpuS)})`,
      '—',
    ]);
  }
  if (av?.windows?.['90d']) {
    const w = av.windows['90d'];
    out.push([
      '90-day availability of 1,000 checks ≤ 100 ms',
      `median ${f(w.medianMs, 1)} ms, max ${f(w.maxMs, 1)} ms over ${w.calls} calls (first call ${f(w.coldMs, 1)} ms)`,
      yes(w.medianMs <= 100),
    ]);
  }
  return out;
}

function availabilityRows(av) {
  return Object.entries(av.windows).map(([w, x]) => [
    w,
    f(x.medianMs, 1),
    f(x.maxMs, 1),
    f(x.coldMs, 1),
    int(x.checks),
    int(x.runsMedian),
    f(x.bytes / 1024, 0),
  ]);
}
const availabilityHeader = [
  'window',
  'median ms',
  'max ms',
  'first call ms',
  'checks',
  'runs per check (median)',
  'response KiB',
];

function section(meta, results) {
  const av = results.find((r) => r.key === 'availability' && r.windows);
  const failed = results.filter((r) => r.error);
  const vigils = results.filter((r) => r.side?.startsWith('Vigil'));
  const failureNotes = results
    .filter((r) => r.failureKinds?.length)
    .map((r) => `${r.schedule}, ${r.side}: ${r.failureKinds.map(([m, c]) => `${c}× “${m}”`).join('; ')}`);
  return `## Checks: Vigil vs Prometheus + blackbox_exporter — ${meta.date}

- Command: \`${meta.command}\` (${meta.mode}: ${P.window} s measured after ${P.warm} s warm-up — at least two
  intervals for the 10 s schedule —, scheduler.concurrency ${P.concurrency}, ${P.apiCalls} timed API calls per window;
  every process under test, Vigil's and the peer's alike, at nice ${P.nice}, and each scenario started once the rest
  of the machine used less than ${P.quietPct}% of a core, or after 60 s of waiting)
- Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.ramGiB} GiB RAM, Linux ${meta.machine.kernel} (${meta.machine.os}), Node ${meta.machine.node}
- Vigil ${meta.vigil} (build ${meta.build}); peer ${meta.prometheus}, ${meta.blackbox}; targets ${meta.nginx} (one process, \`targets-nginx\`)
- Machine busy before the run (other processes): ${f(meta.busyBefore)}% of ${meta.machine.cores} cores

${mdTable(resultHeader, resultRows(results))}

${mdTable(['goal', 'measured', ''], goals(results))}
${
  av
    ? `
Availability API (\`GET /api/v1/availability?window=…\`, all 1,000 checks in one call; round trip over loopback,
Vigil otherwise running its 1,000 checks once a minute): ${int(av.rows)} rollup rows seeded in ${f(av.seedS, 1)} s
(${P.seedDays} days at one run per minute, kept as the default retention keeps them: day rows for all ${P.seedDays} days,
hour rows for 95, minute rows for 2; ${f(av.dbMiB)} MiB database). A 90-day window holds ${int(av.expectedRuns90d)} runs per check.

${mdTable(availabilityHeader, availabilityRows(av))}
`
    : ''
}
How it is measured: each side runs alone against the same nginx targets, one after the other. CPU and RSS
come from \`procstat\` over the window (Vigil's one process; Prometheus plus blackbox_exporter for the peer).
Vigil's probes/s are runs stored in \`check_results\` with \`started_at\` in the window (nginx's request count
in brackets); the peer's are nginx's request count, as its script reports. Lateness is \`started_at\` minus
the due slot from \`phaseOf\`; start jitter is each job's start minus its own earliest start in the window
(modulo the interval), computed the same way from Vigil's table and from Prometheus's \`up\` sample
timestamps (which Prometheus aligns when within 2 ms). Peer failures are failed scrapes plus
\`probe_success == 0\` over the last ${Math.max(5, P.window - 8)} s of its window. "Rest of machine" is the whole
machine's busy time minus the measured side's: nginx answering, the kernel, and anything else running
(this machine is shared with other work; compare it between rows before comparing the rows).${failureNotes.length ? `\nFailures: ${failureNotes.join('. ')}.` : ''}${
    vigils.length
      ? `\nVigil counters over the windows: ${vigils
          .map(
            (r) =>
              `${r.schedule} keepalive ${r.side.includes('true')}: ${int(r.started)} started, ${int(r.written)} written, ${int(r.skipped)} skipped, ${int(r.queuedAtEnd)} queued and ${int(r.pendingAtEnd)} unwritten at the end`,
          )
          .join('; ')}.`
      : ''
  }${failed.length ? `\n\nScenarios that failed to run: ${failed.map((r) => `${r.key}: ${r.error}`).join('; ')}` : ''}
`;
}

/** Wait (up to 60 s) until the rest of the machine uses less than BENCH_QUIET % of a core. */
async function waitQuiet(key) {
  const until = Date.now() + 60_000;
  const cores = os.cpus().length;
  for (;;) {
    const used = (await systemBusy(2000)) * cores;
    if (used < P.quietPct || Date.now() > until) {
      if (used >= P.quietPct) log(`${key}: machine still busy (${used.toFixed(0)}% of a core); going ahead`);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  installSignalHandlers();
  preflight();
  const started = new Date();
  const meta = {
    date: `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    mode: quick ? 'quick mode' : 'full mode',
    command: [
      ...Object.entries(env)
        .filter(([k]) => k.startsWith('BENCH_'))
        .map(([k, v]) => `${k}=${v}`),
      'npm run bench:checks',
    ].join(' '),
    machine: machine(),
    vigil: `commit ${gitDescribe(repo)}`,
    prometheus: versionOf('prometheus').replace(/ \(branch.*/, ''),
    blackbox: versionOf('prometheus-blackbox-exporter').replace(/ \(branch.*/, ''),
    nginx: versionOf('nginx', ['-v']),
    busyBefore: await systemBusy(3000),
  };
  log(
    `${meta.machine.cpu}, ${meta.machine.cores} cores; machine ${f(meta.busyBefore)}% busy before starting`,
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  atCleanup(() => {
    if (env.BENCH_KEEP === '1') log(`work directory kept: ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  });
  const build = snapshotBuild(repo, path.join(work, 'vigil'));
  vigilDir = build.dir;
  meta.build = build.hash;
  ({ nextDue, phaseOf } = await import(pathToFileURL(path.join(vigilDir, 'dist/core/schedule.js')).href));
  log(`Vigil build ${build.hash} copied to ${vigilDir}`);
  const results = [];
  const attempt = async (key, fn) => {
    if (!only.has(key)) return;
    await waitQuiet(key);
    try {
      const r = await fn();
      results.push(r);
      if (r.side)
        log(
          `${key}: ${textTable(resultHeader, resultRows([r]))
            .split('\n')
            .slice(2)
            .join('')}`,
        );
    } catch (e) {
      log(`${key} failed: ${e.stack ?? e}`);
      results.push({ key, error: String(e.message ?? e).split('\n')[0] });
    }
  };
  try {
    const needs1s = ['vigil-1s', 'vigil-1s-keepalive', 'peer-1s', 'availability'].some((k) => only.has(k));
    if (needs1s) {
      const t = await startTargets(P.targets1s, P.base1s, work);
      const common = { n: P.targets1s, base: t.base, everyMs: 1000, timeout: '1s', warm: P.warm };
      await attempt('vigil-1s', () => runVigil(work, { ...common, key: 'vigil-1s', keepalive: false }));
      await attempt('vigil-1s-keepalive', () =>
        runVigil(work, { ...common, key: 'vigil-1s-keepalive', keepalive: true }),
      );
      await attempt('peer-1s', () =>
        runPeer({ key: 'peer-1s', n: P.targets1s, base: t.base, interval: 1, warm: P.warm }),
      );
      await attempt('availability', () => runAvailability(work, t));
      await stopPid(t.pid);
    }
    if (only.has('vigil-10s') || only.has('peer-10s')) {
      const t = await startTargets(P.checks10s, P.base10s, work);
      const warm = Math.max(P.warm, 20);
      await attempt('vigil-10s', () =>
        runVigil(work, {
          key: 'vigil-10s',
          n: P.checks10s,
          base: t.base,
          everyMs: 10_000,
          timeout: '5s',
          keepalive: false,
          warm,
        }),
      );
      await attempt('peer-10s', () =>
        runPeer({ key: 'peer-10s', n: P.checks10s, base: t.base, interval: 10, warm }),
      );
      await stopPid(t.pid);
    }
  } finally {
    await cleanup();
  }

  const out = [];
  out.push(textTable(resultHeader, resultRows(results)));
  const av = results.find((r) => r.key === 'availability' && r.windows);
  if (av) out.push(textTable(availabilityHeader, availabilityRows(av)));
  out.push(textTable(['goal', 'measured', ''], goals(results)));
  for (const r of results.filter((x) => x.error)) out.push(`FAILED ${r.key}: ${r.error}`);
  process.stdout.write(`\n${out.join('\n\n')}\n`);

  fs.mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
  const raw = path.join(repo, 'bench/results', `checks-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(raw, `${JSON.stringify({ meta, params: P, results }, null, 2)}\n`);
  log(`raw results: ${path.relative(repo, raw)}`);
  if (writeResults) {
    const key = `checks ${started.toISOString().slice(0, 10)} ${meta.vigil.replace(/\s+/g, '_')} ${quick ? 'quick' : 'full'}`;
    writeSection(path.join(repo, 'BENCHMARKS.md'), key, section(meta, results));
    log('BENCHMARKS.md updated');
  }
  return results.some((r) => r.error) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (e) => {
    await cleanup();
    process.stderr.write(`bench:checks failed: ${e.stack ?? e}\n`);
    process.exitCode = 3;
  },
);

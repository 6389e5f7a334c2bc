// npm run bench:parse — Vigil's exposition parser beside `promtool check metrics`, on one core.
//
//   1. writes a realistic ~50 MB text-format (0.0.4) exposition to a temp file: counters, gauges,
//      histograms with `le` buckets and summaries, 3–6 labels per series, HELP and TYPE for all;
//   2. in-process, from a string in memory: parses it BENCH_RUNS times in a child pinned to CPU 0
//      (after one warm-up run) with Vigil's parser (array and callback forms) and with a
//      straightforward split-and-regex parser;
//   3. whole process, stdin to exit, timed by this script's clock: `node bench/parse-run.mjs
//      --stdin < file` and `promtool check metrics < file` (GOMAXPROCS=1), alternating.
//
// Environment (all optional):
//   BENCH_MB=50       size of the exposition          BENCH_RUNS=7   timed runs of each kind
//   BENCH_CPU=0       the core to pin to               BENCH_KEEP=1   keep the temp file
//   BENCH_PROMTOOL    the promtool to run (default: promtool on PATH)
// Peak RSS: the in-process child's maxRSS; whole processes run under /usr/bin/time.
// Needs `npm run build` first (imports dist/). Appends to BENCHMARKS.md. promtool comes with Debian's `prometheus` package;
// when it is missing and this runs as root, it is installed with apt-get (the table says if not).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gitDescribe, machine, mdTable, median, versionOf, writeSection } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const targetMB = Number(env.BENCH_MB || 50);
const runs = Number(env.BENCH_RUNS || 7);
const cpu = String(env.BENCH_CPU ?? '0');
const log = (s) => process.stderr.write(`[bench:parse] ${s}\n`);

if (!fs.existsSync(path.join(here, '../dist/metrics/exposition/parse.js'))) {
  throw new Error('dist/metrics/exposition/parse.js is missing: run `npm run build` first');
}

// ---------------------------------------------------------------------------------------------
// a realistic exposition, the same bytes on every run (seeded)

let seed = 0x9e3779b9;
const rand = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const hex = (n) =>
  Array.from({ length: n }, () => '0123456789abcdefghijklmnopqrstuvwxyz'[Math.floor(rand() * 36)]).join('');

const subsystems = ['http', 'grpc', 'db', 'cache', 'queue', 'auth', 'billing', 'search', 'storage', 'mail'];
const things = ['requests', 'errors', 'retries', 'connections', 'messages', 'operations', 'bytes', 'events'];
const namespaces = ['default', 'payments', 'orders', 'platform', 'monitoring', 'checkout'];
const services = ['api', 'web', 'worker', 'gateway', 'scheduler', 'orders-db', 'redis', 'search-indexer'];
const handlers = [
  '/api/v1/orders',
  '/api/v1/orders/{id}',
  '/api/v1/users/{id}',
  '/health',
  '/metrics',
  '/login',
];
const methods = ['GET', 'POST', 'PUT', 'DELETE'];
const codes = ['200', '201', '204', '301', '400', '401', '404', '500', '503'];
const buckets = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const pods = Array.from({ length: 64 }, () => `${pick(services)}-${hex(9)}-${hex(5)}`);

/** 3–6 labels per series; the histogram's `le` comes on top. */
function labelSet() {
  const all = [
    ['namespace', pick(namespaces)],
    ['service', pick(services)],
    ['pod', pick(pods)],
    ['method', pick(methods)],
    ['code', pick(codes)],
    ['handler', pick(handlers)],
  ];
  return all.slice(0, 3 + Math.floor(rand() * 4));
}
const fmt = (labels) => labels.map(([k, v]) => `${k}="${v}"`).join(',');
const gaugeValue = () =>
  rand() < 0.5 ? String(Math.floor(rand() * 1e6)) : String(rand() * 10 ** (rand() * 8));

function generate(file, bytes) {
  const fd = fs.openSync(file, 'w');
  let written = 0;
  let families = 0;
  let samples = 0;
  const out = [];
  const flush = () => {
    const chunk = out.join('');
    out.length = 0;
    fs.writeSync(fd, chunk);
    written += Buffer.byteLength(chunk);
  };
  while (written < bytes) {
    const kind = rand();
    const base = `app_${pick(subsystems)}_${pick(things)}_${families++}`;
    const series = 20 + Math.floor(rand() * 200);
    if (kind < 0.4) {
      const name = `${base}_total`;
      out.push(`# HELP ${name} Total ${base.replaceAll('_', ' ')} handled.\n# TYPE ${name} counter\n`);
      for (let s = 0; s < series; s++, samples++) {
        out.push(`${name}{${fmt(labelSet())}} ${Math.floor(rand() * 1e9)}\n`);
      }
    } else if (kind < 0.7) {
      const name = `${base}_bytes`;
      out.push(`# HELP ${name} Current ${base.replaceAll('_', ' ')} in bytes.\n# TYPE ${name} gauge\n`);
      for (let s = 0; s < series; s++, samples++) out.push(`${name}{${fmt(labelSet())}} ${gaugeValue()}\n`);
    } else if (kind < 0.95) {
      const name = `${base}_duration_seconds`;
      out.push(`# HELP ${name} Latency of ${base.replaceAll('_', ' ')}.\n# TYPE ${name} histogram\n`);
      for (let s = 0; s < series / 8; s++) {
        const ls = fmt(labelSet());
        let n = 0;
        for (const le of buckets) {
          n += Math.floor(rand() * 1000);
          out.push(`${name}_bucket{${ls},le="${le}"} ${n}\n`);
        }
        out.push(`${name}_sum{${ls}} ${rand() * n}\n${name}_count{${ls}} ${n}\n`);
        samples += buckets.length + 2;
      }
    } else {
      const name = `${base}_size_bytes`;
      out.push(`# HELP ${name} Size of ${base.replaceAll('_', ' ')}.\n# TYPE ${name} summary\n`);
      for (let s = 0; s < series / 5; s++) {
        const ls = fmt(labelSet());
        for (const q of ['0.5', '0.9', '0.99']) out.push(`${name}{${ls},quantile="${q}"} ${gaugeValue()}\n`);
        out.push(`${name}_sum{${ls}} ${gaugeValue()}\n${name}_count{${ls}} ${Math.floor(rand() * 1e5)}\n`);
        samples += 5;
      }
    }
    if (out.length > 10_000) flush();
  }
  flush();
  fs.closeSync(fd);
  return { bytes: written, families, samples };
}

// ---------------------------------------------------------------------------------------------
// measuring

const pinned = (cmd, args) => ['taskset', ['-c', cpu, cmd, ...args]];

/** Run a command with `file` on stdin; resolves { ms, code, stdout, stderr } by this process's clock. */
function timed(cmd0, args0, file, extraEnv = {}) {
  const [cmd, args] = ['/usr/bin/time', ['-f', '@@rss %M', cmd0, ...args0]];
  return new Promise((resolve, reject) => {
    const input = fs.openSync(file, 'r');
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      stdio: [input, 'pipe', 'pipe'],
      env: { ...process.env, ...extraEnv },
    });
    fs.closeSync(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - t0;
      const rssKiB = Number(/@@rss (\d+)/.exec(stderr)?.[1] ?? Number.NaN);
      resolve({ ms, code, stdout, stderr: stderr.replace(/@@rss \d+\n?/, ''), rssKiB });
    });
  });
}

function inProcess(file, which) {
  const [cmd, args] = pinned(process.execPath, [
    path.join(here, 'parse-run.mjs'),
    file,
    String(runs + 1),
    which,
  ]);
  const r = JSON.parse(execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 }).trim());
  r.ms = r.ms.slice(1); // the first run warms the JIT up
  return r;
}

const promtool = env.BENCH_PROMTOOL || 'promtool';
const runs0 = (cmd, args) => {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return true;
  } catch {
    return false;
  }
};
/** promtool, installed from Debian's `prometheus` package when missing and we are root. */
function findPromtool() {
  if (runs0(promtool, ['--version'])) return { ok: true };
  if (env.BENCH_PROMTOOL) return { ok: false, why: `${promtool} does not run` };
  if (process.getuid?.() !== 0 || !runs0('apt-get', ['--version'])) {
    return { ok: false, why: 'promtool is missing; `apt-get install -y prometheus` provides it' };
  }
  log('promtool is missing: apt-get install -y prometheus');
  const installed =
    runs0('apt-get', ['install', '-y', '-q', 'prometheus']) ||
    (runs0('apt-get', ['update', '-q']) && runs0('apt-get', ['install', '-y', '-q', 'prometheus']));
  if (installed && runs0(promtool, ['--version'])) return { ok: true };
  return { ok: false, why: 'promtool is missing and `apt-get install -y prometheus` failed' };
}
const promtoolFound = findPromtool();
const hasPromtool = promtoolFound.ok;

const rate = (n, ms) => n / (ms / 1000);
const fmtRate = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
const fmtMs = (ms) => `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-parse-'));
const file = path.join(dir, 'exposition.prom');
try {
  log(`writing a ~${targetMB} MB exposition to ${file}`);
  const gen = generate(file, targetMB * 1e6);
  const mb = gen.bytes / 1e6;
  log(`${mb.toFixed(1)} MB, ${gen.families} families, ${gen.samples} samples`);

  const load0 = os.loadavg();
  log(`in-process: ${runs} timed runs of each parser on CPU ${cpu}`);
  const vigil = inProcess(file, 'vigil');
  if (vigil.samples !== gen.samples)
    throw new Error(`Vigil read ${vigil.samples} samples, wrote ${gen.samples}`);
  const scan = inProcess(file, 'scan');
  const split = inProcess(file, 'split');

  log(`whole process, stdin to exit: Vigil${hasPromtool ? ' and promtool, alternating' : ''}`);
  const node = [];
  const prom = [];
  const nodeRss = [];
  const promRss = [];
  let promNote = '';
  for (let r = 0; r < runs; r++) {
    const v = await timed(...pinned(process.execPath, [path.join(here, 'parse-run.mjs'), '--stdin']), file);
    if (v.code !== 0) throw new Error(`Vigil failed on the exposition: ${v.stderr}`);
    node.push(v.ms);
    nodeRss.push(v.rssKiB);
    if (hasPromtool) {
      const p = await timed(...pinned(promtool, ['check', 'metrics']), file, { GOMAXPROCS: '1' });
      // Exit 3 = lint findings, still a full parse; 1 = the parse failed.
      if (p.code !== 0 && p.code !== 3) throw new Error(`promtool failed: ${p.stderr || p.stdout}`);
      if (p.code === 3) promNote = ` (lint findings: ${(p.stdout + p.stderr).split('\n')[0]})`;
      prom.push(p.ms);
      promRss.push(p.rssKiB);
    }
  }

  const best = (xs) => Math.min(...xs);
  const row = (what, ms, rssKiB, n = gen.samples) => [
    what,
    fmtMs(best(ms)),
    fmtMs(median(ms)),
    `${fmtRate(rate(n, best(ms)))} / ${fmtRate(rate(n, median(ms)))}`,
    `${rate(gen.bytes / 1e6, best(ms)).toFixed(0)} / ${rate(gen.bytes / 1e6, median(ms)).toFixed(0)}`,
    `${(rssKiB / 1024).toFixed(0)} MB`,
  ];
  const rows = [
    row('Vigil `parseExposition` → array of samples, in process', vigil.ms, vigil.rssKiB),
    row('Vigil `scanExposition` → callback per sample, in process', scan.ms, scan.rssKiB),
    row('split + regex per line, in process (baseline)', split.ms, split.rssKiB),
    row('Vigil, whole process: `node bench/parse-run.mjs --stdin < file`', node, median(nodeRss)),
  ];
  if (hasPromtool) rows.push(row('`promtool check metrics < file` (GOMAXPROCS=1)', prom, median(promRss)));
  const header = [
    'what (one core)',
    'best',
    'median',
    'samples/s best / median',
    'MB/s best / median',
    'peak RSS',
  ];
  const m = machine();
  const now = new Date();
  const goal = rate(gen.samples, median(scan.ms));
  const lines = [
    `## Exposition parsing: Vigil vs \`promtool check metrics\` — ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `- Command: \`npm run bench:parse\`. Vigil commit ${gitDescribe(path.join(here, '..'))}. Load average ${load0.map((x) => x.toFixed(1)).join(' ')} at the start, ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at the end (2 cores shared with CI and other work).`,
    '',
    `${mb.toFixed(1)} MB text format 0.0.4, ${gen.families} families, ${gen.samples.toLocaleString('en')} samples ` +
      `(counters, gauges, histograms with 12 \`le\` buckets, summaries; 3–6 labels per series). ` +
      `${runs} runs each, pinned to CPU ${cpu} with taskset; in-process runs after one warm-up run.`,
    `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}` +
      (hasPromtool ? `, ${versionOf(promtool).replace(/^promtool, /, 'promtool ')}` : ''),
    '',
    mdTable(header, rows),
    '',
  ];
  if (hasPromtool) {
    const ratio = median(prom) / median(node);
    lines.push(
      `Whole process, median: Vigil ${fmtMs(median(node))}, promtool ${fmtMs(median(prom))} → ` +
        `Vigil is ${ratio.toFixed(2)}× ${ratio >= 1 ? 'faster' : 'slower'}${promNote}. ` +
        'promtool also lints each family; Vigil also reads the file into a UTF-8 string ' +
        `(about ${fmtMs(vigil.readMs)} of its time).`,
    );
  } else {
    lines.push(`No promtool figure: ${promtoolFound.why}.`);
  }
  lines.push(
    `In process, median: Vigil is ${(median(split.ms) / median(vigil.ms)).toFixed(1)}× (array) and ` +
      `${(median(split.ms) / median(scan.ms)).toFixed(1)}× (callback) as fast as the split + regex baseline.`,
  );
  lines.push(
    '',
    `Goal ≥ 2 M samples/s (\`scanExposition\`, median): ${goal >= 2e6 ? 'met' : '**not met**'} (${fmtRate(goal)}).`,
  );
  const body = lines.join('\n');
  writeSection(
    path.join(here, '..', 'BENCHMARKS.md'),
    `parse ${now.toISOString().slice(0, 10)} ${gitDescribe(path.join(here, '..'))}`,
    body,
  );
  log('appended to BENCHMARKS.md');
  process.stdout.write(`${body}\n`);
} finally {
  if (env.BENCH_KEEP === '1') log(`kept ${file}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

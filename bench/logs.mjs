// npm run bench:logs — `vigil logs scan` beside grep on a 1 GiB log, and the log check following
// a file written at 50k lines/s.
//
//   1. writes a realistic ~1 GiB application log to $BENCH_DIR (default /tmp/vigil-bench-logs;
//      kept between runs, never committed) with bench/gen-logs.mjs, then reads it once so the
//      page cache is warm;
//   2. hyperfine (--output=pipe: GNU grep stops at the first match when its output is /dev/null)
//      runs, side by side in one run: `vigil logs scan --match ERROR` vs `grep -c -F ERROR`
//      (one fixed pattern) and `vigil logs scan` (default levels ERROR and FATAL) vs
//      `grep -c -E 'ERROR|FATAL'`; whole processes, so Vigil's ~0.1 s of Node start-up counts;
//   3. a child writes 50,000 lines/s for BENCH_FOLLOW_S seconds (default 20) while another runs
//      the log check every second: its CPU% and its lag (lines written but not yet counted).
//
// Each command's peak RSS is read from one more run under /usr/bin/time after hyperfine's.
//
//   Regular expressions (`--match` with regex syntax) run in linear time (src/core/linear-regex):
//   `--match 'ERROR|FATAL'` (words: a substring search) and `--match 'timeout after [0-9]+ms'`
//   (unbounded repetition: RE2JS) beside grep -E.
//
// Environment (all optional): BENCH_DIR, BENCH_BYTES (default 1 GiB), BENCH_RUNS (default 5),
// BENCH_FOLLOW_S (default 20; 0 skips the follow run), BENCH_BASELINE=<repo dir> adds that
// checkout's built CLI to the same hyperfine run (before/after). Needs `npm run build` first
// (imports dist/). Appends to BENCHMARKS.md.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLog } from './gen-logs.mjs';
import { gitDescribe, machine, mdTable, versionOf, writeSection } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.join(here, '..');
const env = process.env;
const dir = env.BENCH_DIR || '/tmp/vigil-bench-logs';
const bytes = Number(env.BENCH_BYTES || 2 ** 30);
const runs = Number(env.BENCH_RUNS || 5);
const followSeconds = Number(env.BENCH_FOLLOW_S ?? 20);
const baseline = env.BENCH_BASELINE;
const log = (s) => process.stderr.write(`[bench:logs] ${s}\n`);

if (!fs.existsSync(path.join(repo, 'dist/logs/scan.js'))) throw new Error('run `npm run build` first');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, 'app.log');
if (!fs.existsSync(file) || Math.abs(fs.statSync(file).size - bytes) > bytes * 0.02) {
  log(`writing ${(bytes / 2 ** 30).toFixed(2)} GiB to ${file}`);
  generateLog(file, bytes, Date.now(), 86_400_000);
}
const size = fs.statSync(file).size;
log('warming the page cache');
execFileSync('sh', ['-c', `cat '${file}' > /dev/null`]);

const hyperfine = 'hyperfine';
try {
  execFileSync('hyperfine', ['--version']);
} catch {
  if (process.getuid?.() === 0) execFileSync('sh', ['-c', 'apt-get install -y -qq hyperfine >/dev/null']);
  else throw new Error('hyperfine is needed: apt-get install -y hyperfine');
}

const vigil = `${process.execPath} ${path.join(repo, 'bin/vigil.js')} logs scan '${file}' --since 7d`;
const old =
  baseline && `${process.execPath} ${path.join(baseline, 'bin/vigil.js')} logs scan '${file}' --since 7d`;
const commands = [
  ['vigil logs scan --match ERROR', `${vigil} --match ERROR`],
  ['grep -c -F ERROR', `grep -c -F ERROR '${file}'`],
  ['vigil logs scan (ERROR, FATAL)', vigil],
  ["grep -c -E 'ERROR|FATAL'", `grep -c -E 'ERROR|FATAL' '${file}'`],
  ["vigil logs scan --match 'ERROR|FATAL'", `${vigil} --match 'ERROR|FATAL'`],
  ["vigil logs scan --match 'timeout after [0-9]+ms'", `${vigil} --match 'timeout after [0-9]+ms'`],
  ["grep -c -E 'timeout after [0-9]+ms'", `grep -c -E 'timeout after [0-9]+ms' '${file}'`],
  ...(old
    ? [
        ['baseline: vigil logs scan --match ERROR', `${old} --match ERROR`],
        ['baseline: vigil logs scan (ERROR, FATAL)', old],
        ["baseline: vigil logs scan --match 'ERROR|FATAL'", `${old} --match 'ERROR|FATAL'`],
        [
          "baseline: vigil logs scan --match 'timeout after [0-9]+ms'",
          `${old} --match 'timeout after [0-9]+ms'`,
        ],
      ]
    : []),
];
const load0 = os.loadavg();
const json = path.join(os.tmpdir(), `vigil-bench-logs-${process.pid}.json`);
log('hyperfine');
execFileSync(
  hyperfine,
  [
    '--output=pipe',
    '--warmup',
    '1',
    '--runs',
    String(runs),
    '--export-json',
    json,
    ...commands.flatMap(([name, cmd]) => ['-n', name, cmd]),
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
const results = JSON.parse(fs.readFileSync(json, 'utf8')).results;
fs.rmSync(json);
const load1 = os.loadavg();
/** Peak RSS of one more run of each command, in MB. */
const rssOf = (cmd) => {
  const out = execFileSync('sh', ['-c', `/usr/bin/time -f '@@ %M' ${cmd} 2>&1 >/dev/null`]).toString();
  return Number(/@@ (\d+)/.exec(out)?.[1] ?? Number.NaN) / 1024;
};
const rss = Object.fromEntries(commands.map(([name, cmd]) => [name, rssOf(cmd)]));
const byName = Object.fromEntries(results.map((r) => [r.command, r]));
const gbps = (s) => (size / s / 1e9).toFixed(2);
const scanRows = commands.map(([name]) => {
  const r = byName[name];
  return [
    name,
    `${(r.mean * 1000).toFixed(0)} ms`,
    `${(r.min * 1000).toFixed(0)} ms`,
    gbps(r.mean),
    gbps(r.min),
    `${rss[name].toFixed(0)} MB`,
  ];
});
const ratio = (a, b) => (byName[b].mean / byName[a].mean).toFixed(2);

// Counts must agree with grep's (the generated log has no level word inside another word).
const vigilCounts = JSON.parse(
  execFileSync('sh', ['-c', `${vigil} --json`], { maxBuffer: 1 << 26 }).toString(),
).counts;
const grepF = Number(execFileSync('grep', ['-c', '-F', 'ERROR', file]).toString());
const grepE = Number(execFileSync('grep', ['-c', '-E', 'ERROR|FATAL', file]).toString());
const agree = vigilCounts.error === grepF && vigilCounts.error + vigilCounts.fatal === grepE;

// ---------------------------------------------------------------------------------------------
// following a file written at 50k lines/s

let followRow;
if (followSeconds > 0) {
  log(`following a file written at 50k lines/s for ${followSeconds}s`);
  const followFile = path.join(dir, 'follow.log');
  fs.writeFileSync(followFile, '');
  const writer = spawn(
    process.execPath,
    [
      '-e',
      `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(followFile)},'a');const t0=Date.now();let n=0;
     const end=t0+${followSeconds * 1000};
     const tick=()=>{const now=Date.now();const want=Math.floor((Math.min(now,end)-t0)*50);let s='';
       while(n<want){s+=new Date().toISOString()+(n%50===0?' ERROR':' INFO')+' [http] GET /api/orders/'+n+' 200 12ms\\n';n++;}
       if(s)fs.writeSync(fd,s);process.send({written:n,at:now});if(now<end)setTimeout(tick,10);else{process.send({done:n});process.exit(0);}};tick();`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const checker = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { logCheck } from ${JSON.stringify(path.join(repo, 'dist/checks/log.js'))};
     let state; const ctx = { name: 'bench', signal: new AbortController().signal, timeoutMs: 10000, now: Date.now, memo: {},
       heartbeats: { last: async () => undefined }, state: { get: async () => state, set: async (v) => { state = v; } } };
     const spec = logCheck.schema.parse({ path: ${JSON.stringify(followFile)}, from: 'start' });
     const cpu0 = process.cpuUsage(); const t0 = performance.now();
     const tick = async () => {
       const t = performance.now();
       const r = await logCheck.run(spec, ctx);
       const ms = performance.now() - t;
       const lines = r.samples.find((s) => s.name === 'log_lines_total').value;
       process.send({ lines, ms, at: Date.now(), cpu: process.cpuUsage(cpu0), wall: performance.now() - t0 });
     };
     process.on('message', async (m) => { if (m === 'run') await tick(); if (m === 'exit') process.exit(0); });
     process.send({ ready: true });`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const once = (child, pred) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (pred(m)) {
          child.off('message', on);
          resolve(m);
        }
      };
      child.on('message', on);
    });
  await once(checker, (m) => m.ready);
  let written = 0;
  let writerDone;
  const writerFinished = once(writer, (m) => m.done !== undefined);
  writer.on('message', (m) => {
    if (m.written !== undefined) written = m.written;
    if (m.done !== undefined) writerDone = m.done;
  });
  const lags = [];
  const runMs = [];
  let last;
  for (let i = 0; i < followSeconds; i++) {
    await new Promise((r) => setTimeout(r, 1000)); // the check's own interval: every 1s, as `every: 1s`
    const before = written;
    checker.send('run');
    last = await once(checker, (m) => m.lines !== undefined);
    lags.push(Math.max(0, before - last.lines));
    runMs.push(last.ms);
  }
  await writerFinished;
  checker.send('run');
  const final = await once(checker, (m) => m.lines !== undefined);
  checker.send('exit');
  const cpuPct = ((final.cpu.user + final.cpu.system) / 1000 / final.wall) * 100;
  lags.sort((a, b) => a - b);
  runMs.sort((a, b) => a - b);
  followRow = [
    `${followSeconds}s at 50k lines/s, check every 1s`,
    `${(writerDone ?? written).toLocaleString('en')}`,
    `${final.lines.toLocaleString('en')}`,
    `${cpuPct.toFixed(1)}%`,
    `${lags[Math.floor(lags.length / 2)].toLocaleString('en')} lines (${(lags[Math.floor(lags.length / 2)] / 50).toFixed(0)} ms)`,
    `${lags.at(-1).toLocaleString('en')} lines`,
    `${runMs[Math.floor(runMs.length / 2)].toFixed(0)} ms / ${runMs.at(-1).toFixed(0)} ms`,
  ];
}

const m = machine();
const now = new Date();
const body = `## Log scanning: \`vigil logs scan\` vs grep — ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC

- Command: \`npm run bench:logs\`. A generated ${(size / 2 ** 30).toFixed(2)} GiB application log (${(size / 1e9).toFixed(2)} GB; levels INFO 85%, DEBUG 8%, WARN 5%, ERROR 1.8%, FATAL 0.2%), warm page cache. hyperfine ${versionOf('hyperfine').replace(/^hyperfine /, '')} \`--output=pipe\`, ${runs} runs after 1 warm-up; whole processes (Vigil's includes Node start-up). ${versionOf('grep').replace(/^grep \(GNU grep\) /, 'GNU grep ')}.
- Vigil commit ${gitDescribe(repo)}${baseline ? `; baseline: the built CLI of ${baseline} (commit ${gitDescribe(baseline)}) in the same hyperfine run` : ''}. Peak RSS from one more run of each under \`/usr/bin/time\`.
- Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; shared with CI and other work during the run (load average ${load0.map((x) => x.toFixed(1)).join(' ')} at the start, ${load1.map((x) => x.toFixed(1)).join(' ')} at the end).
- Counts agree with grep: ${agree ? 'yes' : 'NO'} (error ${vigilCounts.error}, fatal ${vigilCounts.fatal}; grep -F ${grepF}, grep -E ${grepE}).

${mdTable(['command', 'mean', 'best', 'GB/s (mean)', 'GB/s (best)', 'peak RSS'], scanRows)}

Ratios from the same run (time of the peer / time of Vigil; above 1 means Vigil is faster): one fixed
pattern ${ratio('vigil logs scan --match ERROR', 'grep -c -F ERROR')}× grep -F; the default levels
${ratio('vigil logs scan (ERROR, FATAL)', "grep -c -E 'ERROR|FATAL'")}× grep -E with alternation. Goals: one fixed pattern ≥ 0.5× grep -F —
${Number(ratio('vigil logs scan --match ERROR', 'grep -c -F ERROR')) >= 0.5 ? 'met' : '**not met**'}; and ≥ 2 GB/s — ${Number(gbps(byName['vigil logs scan --match ERROR'].mean)) >= 2 ? 'met' : '**not met**'} (${gbps(byName['vigil logs scan --match ERROR'].mean)} GB/s mean);
the default levels faster than grep -E — ${byName['vigil logs scan (ERROR, FATAL)'].mean < byName["grep -c -E 'ERROR|FATAL'"].mean ? 'met' : '**not met**'}.
Vigil does more than count: every matching line (${(vigilCounts.error + vigilCounts.fatal).toLocaleString('en')} here) is decoded, reduced to its
template and tallied, and the top 10 are printed with a sample.

Regular expressions run in linear time whatever the pattern (a hostile log line cannot stall the
daemon): words joined by \`|\` are a substring search, an unbounded repetition runs on RE2JS,
${ratio("vigil logs scan --match 'timeout after [0-9]+ms'", "grep -c -E 'timeout after [0-9]+ms'")}× grep -E here${
  old
    ? `; the baseline build took ${(byName["baseline: vigil logs scan --match 'ERROR|FATAL'"].mean * 1000).toFixed(0)} ms for \`ERROR|FATAL\` and ${(byName["baseline: vigil logs scan --match 'timeout after [0-9]+ms'"].mean * 1000).toFixed(0)} ms for \`timeout after [0-9]+ms\``
    : ''
}.

${
  followRow
    ? `### The log check following a file written at 50k lines/s

${mdTable(['run', 'lines written', 'lines counted', 'CPU of the checking process', 'lag, median', 'lag, worst', 'run time, median / worst'], [followRow])}

Lag is measured at each run as lines already written when the run started that it did not count;
a line waits at most the check interval (here 1 s) plus one run time before it is counted. The final
count must equal the lines written.
`
    : ''
}`;
writeSection(
  path.join(repo, 'BENCHMARKS.md'),
  `logs ${now.toISOString().slice(0, 10)} ${gitDescribe(repo)}`,
  body,
);
log('appended to BENCHMARKS.md');
process.stdout.write(`${body}\n`);

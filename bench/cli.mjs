// npm run bench:cli — the CLI's start-up: `vigil change gate` and `vigil check --json` of one tcp
// check, beside `node -e 0` (the floor every Node program pays), in one run.
//
// Each command runs BENCH_RUNS times (default 20) after 2 warm-ups, the commands interleaved round
// by round so a burst of load on this shared machine falls on all of them alike. Every run is a
// whole process under /usr/bin/time: wall time (median, best, p90), CPU time (user + system,
// median) and peak RSS (median). The tcp check connects to a port this script listens on; the
// gate reads a SQLite store the warm-up created (the warm-up also applies its migrations).
//
// Environment (all optional): BENCH_RUNS; BENCH_BASELINE=<repo dir> runs that checkout's built CLI
// too (e.g. /work/main), so a before/after pair shares one run. Needs `npm run build` first.
// Appends to BENCHMARKS.md.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitDescribe, machine, mdTable, median, quantile, writeSection } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.join(here, '..');
const runs = Number(process.env.BENCH_RUNS || 20);
const baseline = process.env.BENCH_BASELINE;
const log = (s) => process.stderr.write(`[bench:cli] ${s}\n`);

if (!fs.existsSync(path.join(repo, 'dist/cli/main.js'))) throw new Error('run `npm run build` first');
if (!fs.existsSync('/usr/bin/time'))
  throw new Error('/usr/bin/time is needed for the peak RSS: apt-get install time');

const server = net.createServer((s) => s.end());
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-cli-'));
const config = path.join(dir, 'vigil.yaml');
fs.writeFileSync(
  config,
  `storage: sqlite:${path.join(dir, 'vigil.db')}\nchecks:\n  - name: port\n    tcp: { host: 127.0.0.1, port: ${port} }\n    every: 30s\n`,
);

const node = process.execPath;
const cli = (root) => [node, path.join(root, 'bin/vigil.js')];
const commands = [['node -e 0', [node, '-e', '0'], [0]]];
for (const [label, root] of [['', repo], ...(baseline ? [[' (baseline)', baseline]] : [])]) {
  commands.push(
    [`vigil change gate${label}`, [...cli(root), 'change', 'gate', '--config', config], [0, 1]],
    [`vigil check --json${label}`, [...cli(root), 'check', '--json', '--config', config], [0]],
  );
}

/** One run under /usr/bin/time: wall ms (measured here), CPU ms and peak RSS KiB (from time). */
function once([name, argv, okCodes]) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '@@ %U %S %M', ...argv], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const m = /@@ ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (!m || !okCodes.includes(code)) return reject(new Error(`${name} exited ${code}: ${err.trim()}`));
      resolve({ wallMs, cpuMs: (Number(m[1]) + Number(m[2])) * 1000, rssKiB: Number(m[3]) });
    });
  });
}

const results = new Map(commands.map(([name]) => [name, []]));
const load0 = os.loadavg();
log(`${commands.length} commands, 2 warm-ups + ${runs} runs each, interleaved`);
for (let round = -2; round < runs; round++) {
  for (const c of commands) {
    const r = await once(c);
    if (round >= 0) results.get(c[0]).push(r);
  }
}
const load1 = os.loadavg();
server.close();
fs.rmSync(dir, { recursive: true, force: true });

const floor = median(results.get('node -e 0').map((r) => r.wallMs));
const rows = commands.map(([name]) => {
  const rs = results.get(name);
  const wall = rs.map((r) => r.wallMs).sort((a, b) => a - b);
  const cpu = median(rs.map((r) => r.cpuMs));
  const rss = median(rs.map((r) => r.rssKiB)) / 1024;
  return [
    name,
    `${(median(wall) / 1000).toFixed(3)} s`,
    `${(wall[0] / 1000).toFixed(3)} s`,
    `${(quantile(wall, 0.9) / 1000).toFixed(3)} s`,
    `${(median(wall) / floor).toFixed(1)}×`,
    `${(cpu / 1000).toFixed(3)} s`,
    `${rss.toFixed(0)} MB`,
  ];
});
const med = (name) => median(results.get(name).map((r) => r.wallMs)) / 1000;
const goal = (name) => (med(name) <= 0.2 ? 'met' : '**not met**');

const m = machine();
const now = new Date();
const body = `## CLI start-up: \`vigil change gate\` and \`vigil check --json\` beside \`node -e 0\` — ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC

- Command: \`npm run bench:cli\`${baseline ? ` with BENCH_BASELINE=${baseline} (its built CLI, commit ${gitDescribe(baseline)})` : ''}. Vigil commit ${gitDescribe(repo)}. ${runs} runs of each after 2 warm-ups, interleaved round by round; whole processes under \`/usr/bin/time\`. The check is one tcp check to a port the benchmark listens on; the gate reads a SQLite store (migrated by the warm-up), no service given.
- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}; shared with CI and other work (load average ${load0.map((x) => x.toFixed(1)).join(' ')} at the start, ${load1.map((x) => x.toFixed(1)).join(' ')} at the end).

${mdTable(['command', 'wall, median', 'best', 'p90', '× node -e 0', 'CPU (user+sys), median', 'peak RSS, median'], rows)}

Goal ≤ 0.2 s (median wall): \`vigil change gate\` ${goal('vigil change gate')} (${med('vigil change gate').toFixed(3)} s), \`vigil check --json\` ${goal('vigil check --json')} (${med('vigil check --json').toFixed(3)} s).
`;
writeSection(
  path.join(repo, 'BENCHMARKS.md'),
  `cli ${now.toISOString().slice(0, 10)} ${gitDescribe(repo)}`,
  body,
);
log('appended to BENCHMARKS.md');
process.stdout.write(`${body}\n`);

// Process bookkeeping, measurement helpers and BENCHMARKS.md writing for the benchmarks in bench/.
// Every process a benchmark starts goes through `start()`, so `cleanup()` (run on normal exit,
// on failure and on Ctrl-C/SIGTERM/SIGHUP) can stop all of them, whole process groups included.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

/** @type {Map<number, { name: string, child: import('node:child_process').ChildProcess, exited: boolean }>} */
const tracked = new Map();
/** pids started by helper scripts that outlive them (nginx from targets-nginx) */
const extraPids = new Map();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start a process in its own process group (so Ctrl-C on the terminal reaches only this script,
 * which then stops everything in order). Output goes to `logFile`, or is collected when `capture`.
 */
export function start(name, cmd, args, { env, cwd, logFile, capture = false, nice = 0 } = {}) {
  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  // `nice` execs the command, so the pid is the command's own.
  const [file, argv] = nice ? ['nice', ['-n', String(nice), cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', capture ? 'pipe' : out, capture ? 'pipe' : out],
  });
  if (typeof out === 'number') fs.closeSync(out);
  if (nice) groupNice(child.pid, nice);
  const entry = { name, child, exited: false, stdout: '', stderr: '' };
  tracked.set(child.pid, entry);
  if (capture) {
    child.stdout.on('data', (d) => {
      entry.stdout += d;
    });
    child.stderr.on('data', (d) => {
      entry.stderr += d;
    });
  }
  entry.done = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      entry.exited = true;
      entry.code = code;
      entry.signal = signal;
      resolve(entry);
    });
    child.once('error', (e) => {
      entry.exited = true;
      entry.error = e;
      resolve(entry);
    });
  });
  return entry;
}

/**
 * With the kernel's autogroup scheduling (Debian's default), a process's nice value weighs only
 * against processes of its own session: every `detached` child starts a session, so nice alone
 * did nothing against the rest of the machine. The session's group gets the nice value too
 * (root only; where it cannot be set, the process's own nice is all there is).
 */
export function groupNice(pid, nice) {
  try {
    fs.writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    return true;
  } catch {
    return false;
  }
}

/** Remember a pid started by a helper script (it is stopped by `cleanup()` too). */
export function adopt(name, pid) {
  extraPids.set(pid, name);
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const signalGroup = (pid, sig) => {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      // already gone
    }
  }
};

/** SIGTERM a started process (and its group), SIGKILL after `graceMs`; resolves when it has exited. */
export async function stop(entry, graceMs = 15_000) {
  if (!entry || entry.stopped) return;
  entry.stopped = true;
  const pid = entry.child.pid;
  if (!entry.exited) {
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await entry.done;
    clearTimeout(timer);
  }
  // Whatever it left in its group (e.g. children of a shell script) goes too.
  signalGroup(pid, 'SIGKILL');
  tracked.delete(pid);
}

export async function stopPid(pid, graceMs = 5_000) {
  extraPids.delete(pid);
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (alive(pid) && Date.now() < until) await sleep(50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

const hooks = [];
/** Run `fn` at cleanup, after every process is stopped (e.g. remove the work directory). */
export function atCleanup(fn) {
  hooks.push(fn);
}

let cleaning;
/** Stop everything still running: tracked groups gracefully first, then by force; then the hooks. */
export function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...tracked.values()].map((e) => stop(e, 5_000)));
    await Promise.all([...extraPids.keys()].map((p) => stopPid(p)));
    for (const fn of hooks) {
      try {
        await fn();
      } catch {
        // best effort
      }
    }
  })();
  return cleaning;
}

/** Last resort on exit: synchronous SIGKILL of anything left. */
function killAllNow() {
  for (const [pid] of tracked) signalGroup(pid, 'SIGKILL');
  for (const [pid] of extraPids) signalGroup(pid, 'SIGKILL');
}

export function installSignalHandlers() {
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      if (interrupted) {
        killAllNow();
        process.exit(130);
      }
      interrupted = true;
      process.stderr.write(`\n${sig}: stopping everything this benchmark started…\n`);
      const force = setTimeout(() => {
        killAllNow();
        process.exit(130);
      }, 10_000);
      cleanup().finally(() => {
        clearTimeout(force);
        process.exit(130);
      });
    });
  }
  process.on('exit', killAllNow);
}

/** GET over loopback with a plain http.Agent-less request; resolves { status, body, ms }. */
export function httpGet(url, timeoutMs = 30_000, headers = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent: false, timeout: timeoutMs, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - t0,
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** An API token for the store of a Vigil config, made with `vigil token create`. */
export function vigilToken(vigilDir, configPath) {
  const out = execFileSync(
    process.execPath,
    [
      path.join(vigilDir, 'bin/vigil.js'),
      'token',
      'create',
      'bench',
      '--role',
      'viewer',
      '--json',
      '--config',
      configPath,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out).token;
}

export async function waitFor(what, fn, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** Parse Prometheus text exposition into { 'name{labels}': value } (unlabelled names as is). */
export function parseExposition(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

/** JSON lines from a script's stdout (a value a script failed to fill in, `"k":}`, reads as null). */
export const jsonLines = (text) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return JSON.parse(l.replace(/:(?=\s*[,}])/g, ':null'));
      }
    });

/** Nearest-rank quantile of an ascending array. */
export function quantile(sorted, p) {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export const median = (xs) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/**
 * Start jitter as Prometheus's side can be measured: for each job, how much later than its own
 * earliest start (modulo the interval) each start came. Applied to both sides for a like-for-like
 * column; a constant offset from the true slot is invisible to it.
 * @param {Map<string, number[]>} startsByJob start times (ms) per job
 */
export function jitter(startsByJob, intervalMs) {
  const out = [];
  for (const starts of startsByJob.values()) {
    if (!starts.length) continue;
    const ref = starts[0] % intervalMs;
    const dev = starts.map((t) => {
      let d = (t % intervalMs) - ref;
      if (d > intervalMs / 2) d -= intervalMs;
      if (d <= -intervalMs / 2) d += intervalMs;
      return d;
    });
    const min = Math.min(...dev);
    for (const d of dev) out.push(d - min);
  }
  return out.sort((a, b) => a - b);
}

/** CPU busy fraction of the whole machine over `ms` (other sessions' load shows here). */
export async function systemBusy(ms) {
  const read = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { total, idle: f[3] + f[4] };
  };
  const a = read();
  await sleep(ms);
  const b = read();
  return 100 * (1 - (b.idle - a.idle) / (b.total - a.total));
}

const run = (cmd, args) => {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.error) throw r.error;
    return (r.stdout.trim() || r.stderr.trim() || 'unknown').replace(/^nginx version: /, '');
  } catch (e) {
    return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || 'unknown';
  }
};

export function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  return {
    cpu: mhz ? `${model} (${Math.round(Number(mhz))} MHz)` : model,
    cores: os.cpus().length,
    ramGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    os: /^PRETTY_NAME="?([^"\n]+)/m.exec(safeRead('/etc/os-release'))?.[1] ?? os.type(),
    node: process.version,
  };
}

function safeRead(f) {
  try {
    return fs.readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

export function versionOf(cmd, args = ['--version']) {
  return run(cmd, args).split('\n')[0];
}

export function gitDescribe(cwd) {
  const head = run('git', ['-C', cwd, 'rev-parse', '--short', 'HEAD']);
  // Not through run(): it answers 'unknown' for empty output, which read as a dirty tree.
  const status = spawnSync('git', ['-C', cwd, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' });
  const dirty = status.status === 0 && status.stdout.trim().length > 0;
  return dirty ? `${head} + uncommitted changes in src/` : head;
}

/** Markdown table from a header row and rows of cells. */
export function mdTable(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Plain-text table for the terminal. */
export function textTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const w = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => c.padEnd(w[i])).join('  ');
  return [fmt(all[0]), w.map((n) => '-'.repeat(n)).join('  '), ...all.slice(1).map(fmt)].join('\n');
}

const fileHeader = `# Benchmarks

Measured by the scripts in \`bench/\`, which start Vigil and the tool a user would pick instead
on the same machine in one run, one after the other, and measure both the same way. Absolute
numbers drift between runs and machines; ratios measured together hold. Newest first; each
section names the command that wrote it.
`;

/**
 * Put `body` into BENCHMARKS.md as the newest section. A section with the same `key` (same
 * benchmark, commit and mode on the same day) is replaced; every other section is kept.
 */
export function writeSection(file, key, body) {
  const begin = `<!-- section ${key} -->`;
  const end = `<!-- /section ${key} -->`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : fileHeader;
  const i = text.indexOf(begin);
  if (i >= 0) {
    const j = text.indexOf(end, i);
    text = text.slice(0, i) + text.slice(j + end.length).replace(/^\n+/, '');
  }
  const first = text.search(/^<!-- section /m);
  const head = first >= 0 ? text.slice(0, first) : `${text.trimEnd()}\n\n`;
  const rest = first >= 0 ? text.slice(first) : '';
  fs.writeFileSync(file, `${head}${begin}\n${body.trim()}\n${end}\n\n${rest}`.trimEnd() + '\n');
}

/**
 * Copy the built daemon (dist/, bin/, package.json; node_modules linked) to `dir`, so that the
 * whole run measures one build even if dist/ is rebuilt meanwhile. Returns the copy and a hash
 * of its JavaScript, which names the build in the results.
 */
export function snapshotBuild(repo, dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const d of ['dist', 'bin']) fs.cpSync(path.join(repo, d), path.join(dir, d), { recursive: true });
  fs.copyFileSync(path.join(repo, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  const hash = createHash('sha256');
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) hash.update(e.name).update(fs.readFileSync(p));
    }
  };
  walk(path.join(dir, 'dist'));
  return { dir, hash: `dist sha256 ${hash.digest('hex').slice(0, 12)}` };
}

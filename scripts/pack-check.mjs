// npm run pack:check — the package a user installs, installed as a user installs it:
//
//   1. `npm pack` of the built tree (dist/ must be current: the npm script builds first);
//   2. its file list: bin/, dist/ with the dashboard's build, examples, LICENSE, README, and no
//      tests, fixtures, sources or benchmarks;
//   3. `npm install <tarball>` into an empty folder, OFFLINE from the local npm cache (once more with
//      --prefer-offline if the cache lacks a package: the registry is asked for that alone), with
//      no EBADENGINE warning on this Node;
//   4. the installed `vigil --version`, `vigil validate` of a small config, and `vigil up` until
//      /health answers 200, then SIGTERM and exit 0.
//
// better-sqlite3 is the one dependency with an install script: it compiles its addon from source
// when no prebuilt one can be downloaded (offline: ~2 minutes on 2 cores). The install therefore
// runs with --ignore-scripts and the addon this checkout built is copied in when the installed
// better-sqlite3 is the same version (same Node, same machine); otherwise it is rebuilt
// (`npm rebuild better-sqlite3`), and the time says so. PACK_CHECK_REBUILD=1 always rebuilds.
//
// Prints one line per step and exits non-zero on the first failure. PACK_CHECK_KEEP=1 keeps the
// folder.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What the file list of the package must and must not hold; [] when it is right. */
export function packProblems(files) {
  const problems = [];
  const has = (p) => files.includes(p);
  for (const p of [
    'package.json',
    'LICENSE',
    'README.md',
    'bin/vigil.js',
    'dist/daemon.js',
    'dist/web/index.html',
  ])
    if (!has(p)) problems.push(`missing ${p}`);
  if (!files.some((f) => /^dist\/web\/assets\/.+\.js$/.test(f)))
    problems.push('missing the dashboard build (dist/web/assets/*.js)');
  if (!files.some((f) => f.startsWith('examples/'))) problems.push('missing examples/');
  const bad = files.filter(
    (f) =>
      /^(test|src|bench|scripts|web|\.github)\//.test(f) ||
      /(^|\/)(fixtures?|__tests__)\//.test(f) ||
      /\.(test|spec)\.[cm]?[jt]s$/.test(f) ||
      /\.tsbuildinfo$/.test(f) ||
      /(^|\/)\.env/.test(f),
  );
  if (bad.length)
    problems.push(
      `should not be shipped: ${bad.slice(0, 10).join(', ')}${bad.length > 10 ? ` and ${bad.length - 10} more` : ''}`,
    );
  return problems;
}

/** `npm pack --dry-run`: the file list without writing a tarball or running scripts. */
export async function packedFiles(cwd = repo) {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd,
    maxBuffer: 1 << 26,
  });
  return JSON.parse(stdout)[0].files.map((f) => f.path);
}

async function main() {
  const t0 = performance.now();
  const step = (s) =>
    process.stdout.write(`[pack:check ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
  const fail = (s) => {
    process.stderr.write(`[pack:check] FAILED: ${s}\n`);
    process.exitCode = 1;
    throw new Error(s);
  };
  if (!fs.existsSync(path.join(repo, 'dist/daemon.js'))) fail('no dist/: run `npm run build` first');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-pack-check-'));
  let daemon;
  try {
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: repo,
      maxBuffer: 1 << 26,
    });
    const packed = JSON.parse(stdout)[0];
    const tarball = path.join(work, packed.filename);
    step(`packed ${packed.filename}: ${packed.entryCount} files, ${(packed.size / 2 ** 20).toFixed(1)} MiB`);
    const problems = packProblems(packed.files.map((f) => f.path));
    if (problems.length) fail(problems.join('; '));
    step('file list: bin, dist with the dashboard, examples, LICENSE, README; no tests, fixtures or sources');

    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{ "name": "vigil-pack-check", "private": true }\n');
    // Offline from the cache; where the cache lacks a package's metadata (ENOTCACHED), once more
    // with --prefer-offline, which asks the registry for what is missing only.
    const npmInstall = (mode) =>
      run(
        'npm',
        ['install', mode, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel', 'warn', tarball],
        { cwd: app, maxBuffer: 1 << 26, env: { ...process.env, npm_config_update_notifier: 'false' } },
      );
    let mode = '--offline';
    const install = await npmInstall(mode)
      .catch((e) => {
        if (!/ENOTCACHED/.test(String(e.stderr))) throw e;
        mode = '--prefer-offline';
        return npmInstall(mode);
      })
      .catch((e) => fail(`npm install ${mode} failed:\n${e.stderr || e.message}`));
    const said = `${install.stdout}\n${install.stderr}`;
    if (/EBADENGINE/.test(said)) fail(`engine warnings on Node ${process.version}:\n${said}`);
    step(
      `installed (npm install ${mode}${mode === '--offline' ? ': all from the npm cache' : ': the cache lacked some packages'}) on Node ${process.version}, no EBADENGINE warning`,
    );

    const installed = path.join(app, 'node_modules');
    const sqliteVersion = (dir) =>
      JSON.parse(fs.readFileSync(path.join(dir, 'better-sqlite3/package.json'), 'utf8')).version;
    const addon = 'better-sqlite3/build/Release/better_sqlite3.node';
    if (
      process.env.PACK_CHECK_REBUILD !== '1' &&
      sqliteVersion(installed) === sqliteVersion(path.join(repo, 'node_modules')) &&
      fs.existsSync(path.join(repo, 'node_modules', addon))
    ) {
      fs.mkdirSync(path.dirname(path.join(installed, addon)), { recursive: true });
      fs.copyFileSync(path.join(repo, 'node_modules', addon), path.join(installed, addon));
      step(
        `better-sqlite3 ${sqliteVersion(installed)}: copied this checkout's addon (same version, same Node)`,
      );
    } else {
      await run('npm', ['rebuild', 'better-sqlite3', '--offline'], { cwd: app, maxBuffer: 1 << 26 }).catch(
        (e) => fail(`npm rebuild better-sqlite3 failed:\n${e.stderr || e.message}`),
      );
      step(`better-sqlite3 ${sqliteVersion(installed)}: rebuilt from source`);
    }

    const vigil = path.join(installed, '.bin/vigil');
    const version = (await run(vigil, ['--version'], { cwd: app })).stdout.trim();
    const want = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).version;
    if (!version.includes(want)) fail(`vigil --version said ${JSON.stringify(version)}, not ${want}`);
    step(`vigil --version: ${version}`);

    const config = path.join(app, 'vigil.yaml');
    fs.writeFileSync(
      config,
      [
        `storage: sqlite:${path.join(app, 'vigil.db')}`,
        'checks:',
        '  - name: self',
        '    http: { url: "http://127.0.0.1:9/health" }',
        '    every: 30s',
        'alerts:',
        '  - name: SelfDown',
        '    condition: up{check="self"} == 0',
        '    duration: 1m',
        '',
      ].join('\n'),
    );
    await run(vigil, ['validate', '--config', config], { cwd: app }).catch((e) =>
      fail(`vigil validate failed:\n${e.stdout}${e.stderr}`),
    );
    step('vigil validate: ok');

    daemon = spawn(vigil, ['up', '--config', config, '--listen', '127.0.0.1:0'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise((r) => daemon.once('exit', (code) => r(code)));
    const url = await new Promise((resolve, reject) => {
      const look = (d) => {
        out += d;
        const m =
          /Vigil is up: (http:\/\/\S+)/.exec(out) ?? /"url":"(http:\/\/[^"]+)"[^\n]*Vigil is up/.exec(out);
        if (m) resolve(m[1]);
      };
      daemon.stdout.on('data', look);
      daemon.stderr.on('data', look);
      exited.then((code) => reject(new Error(`vigil up exited ${code}: ${out}`)));
      setTimeout(() => reject(new Error(`vigil up did not start within 60 s: ${out}`)), 60_000).unref();
    }).catch((e) => fail(e.message));
    const health = await fetch(`${url}/health`);
    if (health.status !== 200) fail(`/health answered ${health.status}`);
    daemon.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) fail(`vigil up exited ${code} on SIGTERM: ${out}`);
    daemon = undefined;
    step(`vigil up from the installed package: /health 200 at ${url}, SIGTERM → exit 0`);
    step('ok');
  } finally {
    if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
    if (process.env.PACK_CHECK_KEEP === '1') process.stdout.write(`kept ${work}\n`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    if (!process.exitCode) process.stderr.write(`[pack:check] ${e.stack ?? e}\n`);
    process.exitCode = 1;
  });
}

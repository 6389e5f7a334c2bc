// Backup benchmark: Vigil beside the tools a user would run by hand, one after the other, in one run.
//   npm run bench:backup        (BENCH_PG_SCALE=70 ≈ 1 GB of pgbench data; BENCH_FILES_MIB=1024, 0 for the
//                                PostgreSQL part alone; BENCH_ROUNDS=2)
// PostgreSQL: `vigil backup run` (the CLI, and the same backup service called in this process, as the
// daemon runs its scheduled backups) vs `pg_dump -Fc` into a file; then the read and restore verification
// levels vs `pg_restore -f /dev/null` and `pg_restore -d` into a fresh database. Files: a 1 GiB tree,
// Vigil (zstd, gzip) vs `tar | zstd -3`, `tar | gzip -1` and `restic backup`. The scratch database and
// every file are removed at the end.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { backupServiceFor } from '../dist/backup/open.js';
import { loadConfig } from '../dist/config/loader.js';
import { systemClock } from '../dist/core/clock.js';
import { openStore } from '../dist/store/store.js';
import {
  atCleanup,
  cleanup,
  gitDescribe,
  installSignalHandlers,
  machine,
  mdTable,
  textTable,
  versionOf,
  writeSection,
} from './harness.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const admin = process.env.VIGIL_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const scale = Number(process.env.BENCH_PG_SCALE ?? 70);
const filesMiB = Number(process.env.BENCH_FILES_MIB ?? 1024);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const db = `vigil_bench_${process.pid}`;
const dbUrl = Object.assign(new URL(admin), { pathname: `/${db}` }).toString();
const work = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'vigil-bench-backup-'));
const config = path.join(work, 'vigil.yaml');
const env = {
  ...process.env,
  RESTIC_PASSWORD: 'vigil-bench',
  RESTIC_CACHE_DIR: path.join(work, 'restic-cache'),
};

installSignalHandlers();
atCleanup(() => {
  spawnSync('psql', [admin, '-qc', `drop database if exists ${db} with (force)`]);
  spawnSync('psql', [admin, '-qc', `drop database if exists ${db}_direct with (force)`]);
  fs.rmSync(work, { recursive: true, force: true });
});

/** Run a command (or a shell pipeline with pipefail) and return its wall time in seconds; throw on failure. */
function timed(label, cmd, args) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const s = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr || r.stdout}`);
  console.log(`${label.padEnd(44)} ${s.toFixed(2)} s`);
  return { s, out: r.stdout };
}
const sh = (label, script) => timed(label, 'bash', ['-c', `set -euo pipefail; ${script}`]);
const vigil = (label, ...args) =>
  timed(label, process.execPath, [path.join(repoRoot, 'bin/vigil.js'), ...args, '--config', config]);
const size = (p) => fs.statSync(p).size;
const dirSize = (d) =>
  fs
    .readdirSync(d, { recursive: true, withFileTypes: true })
    .reduce((n, e) => n + (e.isFile() ? size(path.join(e.parentPath ?? e.path, e.name)) : 0), 0);
const mib = (n) => `${(n / 2 ** 20).toFixed(0)} MiB`;

try {
  // --- data -------------------------------------------------------------------------------
  console.log(`preparing: pgbench -i -s ${scale} into ${db}; ${filesMiB} MiB of files in ${work}`);
  spawnSync('psql', [admin, '-qc', `create database ${db}`], { stdio: 'inherit' });
  sh('pgbench -i (setup, not measured)', `pgbench -i -q -s ${scale} '${dbUrl}' 2>&1 | tail -1`);
  const dbBytes = Number(
    spawnSync('psql', [dbUrl, '-Atc', `select pg_database_size('${db}')`], {
      encoding: 'utf8',
    }).stdout.trim(),
  );

  const tree = path.join(work, 'tree');
  fs.mkdirSync(tree);
  // Half random (already-compressed media), half text (logs, exports): 4 MiB files in 16 folders.
  const line = (i) =>
    `2026-11-27T02:00:${String(i % 60).padStart(2, '0')}Z INFO order ${i} shipped to customer ${(i * 7919) % 100000}\n`;
  let text = '';
  for (let i = 0; text.length < 2 << 20; i++) text += line(i);
  const textChunk = Buffer.from(text.slice(0, 2 << 20));
  for (let i = 0; i < filesMiB / 4; i++) {
    const dir = path.join(tree, `d${i % 16}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${i}.bin`), Buffer.concat([randomBytes(2 << 20), textChunk]));
  }

  fs.writeFileSync(
    config,
    `storage: sqlite:${path.join(work, 'vigil.db')}
backups:
  repository: ${path.join(work, 'repo')}
  jobs:
    - name: pg
      postgres: { url: "${dbUrl}" }
      verify: { cron: "0 5 1 * *", level: restore, restore_into: "${admin}", min_rows: { pgbench_accounts: ${scale * 100000} } }
${
  filesMiB
    ? `    - name: files-zstd
      files: { path: ${tree}, compression: zstd }
      verify: { cron: "0 5 1 * *", level: restore, assert: [d0/f0.bin] }
    - name: files-gzip
      files: { path: ${tree}, compression: gzip }
    - name: files-restic
      restic: { path: ${tree}, repository: ${path.join(work, 'restic-vigil')}, password: vigil-bench, read_data_subset: 5% }
`
    : ''
}`,
  );
  const listTimes = [];
  const newest = (job) => {
    const r = vigil(`(list ${job})`, 'backup', 'list', job, '--json');
    listTimes.push(r.s);
    return JSON.parse(r.out).backups[0];
  };

  // --- PostgreSQL -------------------------------------------------------------------------
  const pg = { direct: [], vigil: [], daemon: [] };
  // As the daemon holds it: config, store and service opened once, each backup a call.
  const loaded = loadConfig(config, env);
  const daemonStore = await openStore(loaded.config.storage);
  const service = backupServiceFor(loaded, daemonStore, systemClock);
  for (let r = 0; r < rounds; r++) {
    const out = path.join(work, 'direct.pgc');
    pg.direct.push(
      timed(`pg_dump -Fc (round ${r + 1})`, 'pg_dump', ['-Fc', '-f', out, `--dbname=${dbUrl}`]).s,
    );
    const directSize = size(out);
    fs.rmSync(out);
    pg.vigil.push(vigil(`vigil backup run pg (round ${r + 1})`, 'backup', 'run', 'pg').s);
    const t = performance.now();
    await service.run('pg');
    pg.daemon.push((performance.now() - t) / 1000);
    console.log(`${`in-process backup of pg (round ${r + 1})`.padEnd(44)} ${pg.daemon.at(-1).toFixed(2)} s`);
    pg.directSize = directSize;
  }
  await daemonStore.close();
  const pgBackup = newest('pg');
  const pgDump = path.join(pgBackup.location, 'dump.pgc');
  const pgReadDirect = timed('pg_restore -f /dev/null', 'pg_restore', ['-f', '/dev/null', pgDump]).s;
  const pgReadVigil = vigil(
    'vigil backup verify --level read',
    'backup',
    'verify',
    pgBackup.id,
    '--level',
    'read',
  ).s;
  const pgRestoreDirect = sh(
    'createdb + pg_restore -d + dropdb',
    `psql '${admin}' -qc 'create database ${db}_direct' && pg_restore --exit-on-error --no-owner -d '${Object.assign(new URL(admin), { pathname: `/${db}_direct` })}' '${pgDump}' && psql '${admin}' -qc 'drop database ${db}_direct with (force)'`,
  ).s;
  const pgRestoreVigil = vigil(
    'vigil backup verify --level restore',
    'backup',
    'verify',
    pgBackup.id,
    '--level',
    'restore',
  ).s;

  // --- files ------------------------------------------------------------------------------
  const files = [];
  const treeBytes = dirSize(tree);
  for (let r = 0; r < (filesMiB ? rounds : 0); r++) {
    const a = path.join(work, 'direct.tar.zst');
    files.push([
      'tar | zstd -3',
      sh(`tar | zstd -3 (round ${r + 1})`, `tar -C '${tree}' -cf - . | zstd -3 -q -c > '${a}'`).s,
      size(a),
    ]);
    fs.rmSync(a);
    files.push([
      'Vigil files (zstd)',
      vigil(`vigil backup run files-zstd (round ${r + 1})`, 'backup', 'run', 'files-zstd').s,
      newest('files-zstd').size,
    ]);
  }
  if (filesMiB) {
    const a = path.join(work, 'direct.tar.gz');
    files.push([
      'tar | gzip -1',
      sh('tar | gzip -1', `tar -C '${tree}' -cf - . | gzip -1 -c > '${a}'`).s,
      size(a),
    ]);
    fs.rmSync(a);
    files.push([
      'Vigil files (gzip)',
      vigil('vigil backup run files-gzip', 'backup', 'run', 'files-gzip').s,
      newest('files-gzip').size,
    ]);
  }
  const resticRepo = path.join(work, 'restic');
  let resticVersion = 'not installed';
  if (filesMiB && spawnSync('restic', ['version']).status === 0) {
    resticVersion = versionOf('restic', ['version']);
    const vigilRepo = path.join(work, 'restic-vigil');
    timed('restic init (not measured)', 'restic', ['init', '-q', '-r', resticRepo]);
    timed('restic init for Vigil (not measured)', 'restic', ['init', '-q', '-r', vigilRepo]);
    const run = (label) => timed(label, 'restic', ['backup', '-q', '-r', resticRepo, tree]).s;
    const viaVigil = (label) => vigil(label, 'backup', 'run', 'files-restic').s;
    files.push(['restic backup (first)', run('restic backup (first)'), dirSize(resticRepo)]);
    files.push([
      'Vigil restic (first)',
      viaVigil('vigil backup run files-restic (first)'),
      dirSize(vigilRepo),
    ]);
    // 1% of the tree changes: restic sends only what changed
    for (let i = 0; i < filesMiB / 400; i++)
      fs.writeFileSync(path.join(tree, `d${i % 16}`, `f${i}.bin`), randomBytes(4 << 20));
    const before = [dirSize(resticRepo), dirSize(vigilRepo)];
    files.push([
      'restic backup (1% changed)',
      run('restic backup (1% changed)'),
      dirSize(resticRepo) - before[0],
    ]);
    files.push([
      'Vigil restic (1% changed)',
      viaVigil('vigil backup run files-restic (1% changed)'),
      dirSize(vigilRepo) - before[1],
    ]);
  }
  let filesRestoreDirect = Number.NaN;
  let filesRestoreVigil = Number.NaN;
  if (filesMiB) {
    const zstdBackup = newest('files-zstd');
    filesRestoreDirect = sh(
      'zstd -dc | tar -x into a temp dir',
      `d=$(mktemp -d -p '${work}') && zstd -dc -q '${path.join(zstdBackup.location, 'files.tar.zst')}' | tar -C "$d" -xf - && rm -rf "$d"`,
    ).s;
    filesRestoreVigil = vigil(
      'vigil backup verify files --level restore',
      'backup',
      'verify',
      zstdBackup.id,
      '--level',
      'restore',
    ).s;
  }

  // --- report -----------------------------------------------------------------------------
  const min = (xs) => Math.min(...xs);
  const overhead = (min(pg.vigil) / min(pg.direct) - 1) * 100;
  const daemonOverhead = (min(pg.daemon) / min(pg.direct) - 1) * 100;
  const pct = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
  const m = machine();
  const commit = gitDescribe(repoRoot);
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const f2 = (s) => s.toFixed(2);
  const fileRows = files.map(([side, s, bytes]) => [
    side,
    f2(s),
    mib(bytes),
    `${(treeBytes / 2 ** 20 / s).toFixed(0)} MiB/s`,
  ]);
  const pgRows = [
    [
      'backup',
      `pg_dump -Fc: ${pg.direct.map(f2).join(', ')} s`,
      `vigil backup run: ${pg.vigil.map(f2).join(', ')} s`,
      `${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}% (best of ${rounds})`,
    ],
    [
      'backup, in the daemon',
      `pg_dump -Fc: as above`,
      `the backup service called in-process: ${pg.daemon.map(f2).join(', ')} s`,
      `${pct(daemonOverhead)} (best of ${rounds})`,
    ],
    [
      'read',
      `pg_restore -f /dev/null: ${f2(pgReadDirect)} s`,
      `verify --level read: ${f2(pgReadVigil)} s`,
      `${((pgReadVigil / pgReadDirect - 1) * 100).toFixed(1)}% (includes the sha256 check)`,
    ],
    [
      'restore test',
      `createdb + pg_restore -d + dropdb: ${f2(pgRestoreDirect)} s`,
      `verify --level restore: ${f2(pgRestoreVigil)} s`,
      `${((pgRestoreVigil / pgRestoreDirect - 1) * 100).toFixed(1)}% (includes sha256 and the row-count assertion)`,
    ],
  ];
  console.log(
    `\n${textTable(['PostgreSQL', 'peer', 'Vigil', 'Vigil vs peer'], pgRows)}\n\n${textTable(['files', 'seconds', 'size', 'rate'], fileRows)}`,
  );
  console.log(
    `files restore: direct ${f2(filesRestoreDirect)} s, Vigil restore test ${f2(filesRestoreVigil)} s`,
  );

  const startup = listTimes.sort((a, b) => a - b)[listTimes.length >> 1];
  const startupNet = ((min(pg.vigil) - startup) / min(pg.direct) - 1) * 100;
  writeSection(
    path.join(repoRoot, 'BENCHMARKS.md'),
    `backup ${date.slice(0, 10)} commit_${commit.split(' ')[0]}`,
    `## Backups: Vigil vs pg_dump, tar | zstd/gzip and restic — ${date} UTC

- Command: \`npm run bench:backup\` (BENCH_PG_SCALE=${scale}, BENCH_FILES_MIB=${filesMiB}, ${rounds} rounds of the backups; wall time, one after the other)
- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Linux ${m.kernel} (${m.os}), Node ${m.node}; shared with other work, so compare the ratios
- Vigil commit ${commit}; ${versionOf('pg_dump')}; ${versionOf('zstd', ['-V'])}; ${versionOf('gzip')}; ${resticVersion}
- PostgreSQL database: pgbench scale ${scale}, ${mib(dbBytes)} on disk; dump ${mib(pg.directSize)}. Files: ${mib(treeBytes)} in ${filesMiB / 4} files (half random bytes, half log text)

${mdTable(['PostgreSQL', 'peer', 'Vigil', 'Vigil vs peer'], pgRows)}

| goal | measured |  |
| --- | --- | --- |
| Vigil's backup within 5% of \`pg_dump -Fc\` | ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}% (best of ${rounds}: ${f2(min(pg.vigil))} s vs ${f2(min(pg.direct))} s); ${startupNet >= 0 ? '+' : ''}${startupNet.toFixed(1)}% once the CLI's start-up measured in the same run is taken off | **${overhead <= 5 ? 'met' : 'not met'}** (CLI) |
| the same, in the daemon (the backup service called in-process, as scheduled backups run) | ${pct(daemonOverhead)} (best of ${rounds}: ${f2(min(pg.daemon))} s vs ${f2(min(pg.direct))} s) | **${daemonOverhead <= 5 ? 'met' : 'not met'}** |

${
  filesMiB
    ? mdTable(
        ['files', 'seconds', 'size', 'rate'],
        fileRows.map((r) => r.map((c) => c.replaceAll('|', '\\|'))),
      )
    : 'Files: not run (BENCH_FILES_MIB=0).'
}

Every Vigil time includes the CLI's start-up (Node, config, store, crash clean-up): \`vigil backup list\` took ${f2(listTimes.sort((a, b) => a - b)[listTimes.length >> 1])} s (median of ${listTimes.length}) in this run; the daemon pays it once.${
      filesMiB
        ? `

Files restore test (Vigil: sha256, extract into a temp dir, assertion, remove): ${f2(filesRestoreVigil)} s; by hand (\`zstd -dc | tar -x\`, remove): ${f2(filesRestoreDirect)} s.`
        : ''
    }`,
  );
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await cleanup();
}

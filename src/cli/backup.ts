import { backupServiceFor } from '../backup/open.js';
import { backupSources } from '../backup/registry.js';
import type { BackupService } from '../backup/service.js';
import type { BackupSource } from '../backup/types.js';
import { backupView } from '../backup/view.js';
import { type VerifyLevel, verifyLevels } from '../config/backups.js';
import { loadConfig } from '../config/loader.js';
import { redactUrl } from '../config/redact.js';
import { systemClock } from '../core/clock.js';
import { describe as describeError, VigilError } from '../errors.js';
import { openStore, type Store } from '../store/store.js';
import { configPath } from './config-path.js';
import { type Io, paint, table } from './output.js';

type Opts = { config?: string; json?: boolean };

/** Open config, store and service; clean what a crashed run left; run `fn`; close. */
async function withService<T>(
  io: Io,
  opts: Opts,
  fn: (s: BackupService, store: Store) => Promise<T>,
): Promise<T> {
  const loaded = loadConfig(configPath(io, opts.config), io.env);
  const store = await openStore(loaded.config.storage);
  try {
    const service = backupServiceFor(loaded, store, systemClock);
    const { cleaned } = await service.recover();
    if (cleaned && !opts.json)
      io.err(`removed ${cleaned} unfinished backup${cleaned === 1 ? '' : 's'} left by a crash`);
    return await fn(service, store);
  } finally {
    await store.close();
  }
}

/** `vigil backup run [job]`: back up one job or all, now. */
export async function backupRunCommand(io: Io, job: string | undefined, opts: Opts): Promise<number> {
  return withService(io, opts, async (service) => {
    const jobs = job ? [service.job(job)] : service.jobs;
    if (!jobs.length) {
      io.out('no backup jobs configured');
      return 0;
    }
    let failed = 0;
    const results: unknown[] = [];
    for (const j of jobs) {
      const progress = progressReporter(io, j.name, !opts.json);
      try {
        const b = await service.run(j.name, { onProgress: progress.update });
        progress.done();
        results.push({
          job: j.name,
          ok: true,
          id: b.id,
          size: b.size,
          durationMs: b.endedAt - b.startedAt,
          location: b.location,
        });
        if (!opts.json)
          io.out(
            `${paint(io, 'ok', 'ok')}  ${j.name}  ${b.id}  ${formatBytes(b.size ?? 0)} in ${seconds(b.endedAt - b.startedAt)}  ${b.location}`,
          );
      } catch (e) {
        progress.done();
        failed++;
        const message = e instanceof VigilError ? e.message : describeError(e);
        results.push({ job: j.name, ok: false, error: message });
        if (!opts.json) io.out(`${paint(io, 'critical', 'failed')}  ${j.name}  ${message}`);
        if (!opts.json && e instanceof VigilError && e.hint) io.out(`  hint: ${e.hint}`);
      }
    }
    if (opts.json) io.out(JSON.stringify({ ok: failed === 0, backups: results }, null, 2));
    return failed ? 3 : 0;
  });
}

/** `vigil backup list`: the backups there are, newest first, with their last verification. */
export async function backupListCommand(io: Io, job: string | undefined, opts: Opts): Promise<number> {
  return withService(io, opts, async (service, store) => {
    if (job) service.job(job);
    const backups = await store.backups.list({ job });
    const verifications = await store.backups.verifications({ backupIds: backups.map((b) => b.id) });
    const last = new Map<string, (typeof verifications)[number]>();
    for (const v of verifications) if (!last.has(v.backupId)) last.set(v.backupId, v);
    if (opts.json) {
      io.out(JSON.stringify({ backups: backups.map((b) => backupView(b, last.get(b.id))) }, null, 2));
      return 0;
    }
    if (!backups.length) {
      io.out('no backups yet');
      return 0;
    }
    const rows = backups.map((b) => {
      const v = last.get(b.id);
      return [
        b.id,
        b.job,
        new Date(b.startedAt).toISOString().replace(/\.\d+Z$/, 'Z'),
        formatBytes(b.size ?? 0),
        seconds(b.endedAt - b.startedAt),
        v
          ? paint(io, v.ok ? 'ok' : 'critical', `${v.level} ${v.ok ? 'ok' : 'failed'}`)
          : paint(io, 'pending', 'unverified'),
      ];
    });
    io.out(table([['ID', 'JOB', 'TAKEN', 'SIZE', 'DURATION', 'VERIFIED'], ...rows]));
    return 0;
  });
}

/** `vigil backup verify [id] [--level]`: one backup, or the newest of every job. Exit 1 when any fails. */
export async function backupVerifyCommand(
  io: Io,
  id: string | undefined,
  opts: Opts & { level?: string },
): Promise<number> {
  const level = (opts.level ?? 'read') as VerifyLevel;
  if (!verifyLevels.includes(level)) {
    throw new VigilError('USAGE', `unknown level "${opts.level}"`, {
      hint: `one of ${verifyLevels.join(', ')}`,
    });
  }
  return withService(io, opts, async (service, store) => {
    let ids: string[];
    if (id) ids = [(await service.get(id)).id];
    else {
      ids = [];
      for (const j of service.jobs) {
        const [newest] = await store.backups.list({ job: j.name, limit: 1 });
        if (newest) ids.push(newest.id);
      }
    }
    const results = [];
    for (const i of ids) results.push(await service.verify(i, level));
    if (opts.json)
      io.out(JSON.stringify({ ok: results.every((r) => r.ok), verifications: results }, null, 2));
    else if (!results.length) io.out('no backups to verify');
    else {
      for (const r of results) {
        io.out(
          `${paint(io, r.ok ? 'ok' : 'critical', r.ok ? 'ok' : 'failed')}  ${r.job}  ${r.backupId}  ${r.level}  ${seconds(r.durationMs)}  ${r.message}`,
        );
      }
    }
    return results.every((r) => r.ok) ? 0 : 1;
  });
}

/** `vigil backup restore <id> --to <target> [--force]` */
export async function backupRestoreCommand(
  io: Io,
  id: string,
  opts: Opts & { to: string; force?: boolean },
): Promise<number> {
  return withService(io, opts, async (service) => {
    const b = await service.get(id);
    if (!opts.json)
      io.err(
        `restoring ${b.job} ${b.id} (${new Date(b.startedAt).toISOString()}) into ${redactUrl(opts.to)}…`,
      );
    const what = await service.restore(b.id, opts.to, { force: opts.force });
    if (opts.json) io.out(JSON.stringify({ ok: true, id: b.id, job: b.job, result: what }, null, 2));
    else io.out(`${paint(io, 'ok', 'ok')}  ${what}`);
    return 0;
  });
}

/** `vigil backup prune [job] [--dry-run]`: every backup with the rule that keeps it or why it goes. */
export async function backupPruneCommand(
  io: Io,
  job: string | undefined,
  opts: Opts & { dryRun?: boolean },
): Promise<number> {
  return withService(io, opts, async (service) => {
    const decisions = await service.prune(job, Boolean(opts.dryRun));
    if (opts.json) {
      io.out(
        JSON.stringify(
          {
            dryRun: Boolean(opts.dryRun),
            backups: decisions.map((d) => ({ ...d, time: new Date(d.time).toISOString() })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    if (!decisions.length) {
      io.out('nothing to prune (no job with a keep policy has backups)');
      return 0;
    }
    const verb = opts.dryRun ? 'would delete' : 'deleted';
    const rows = decisions.map((d) => [
      d.job,
      d.id,
      new Date(d.time).toISOString().replace(/\.\d+Z$/, 'Z'),
      d.keep ? paint(io, 'ok', 'keep') : paint(io, 'critical', opts.dryRun ? 'delete' : 'deleted'),
      d.reasons.join(', '),
    ]);
    io.out(table([['JOB', 'ID', 'TAKEN', 'ACTION', 'WHY'], ...rows]));
    const gone = decisions.filter((d) => !d.keep).length;
    io.out(`\n${decisions.length - gone} kept, ${gone} ${verb}`);
    return 0;
  });
}

/** A progress line with bytes and rate on a terminal; nothing in between on a pipe. */
function progressReporter(io: Io, job: string, enabled: boolean) {
  const started = Date.now();
  let lastDraw = 0;
  const tty = enabled && io.isTTY;
  if (enabled && !tty) io.out(`backing up ${job}…`);
  return {
    update(bytes: number) {
      if (!tty) return;
      const now = Date.now();
      if (now - lastDraw < 200) return;
      lastDraw = now;
      const rate = bytes / Math.max(0.001, (now - started) / 1000);
      io.progress?.(`${job}  ${formatBytes(bytes)}  ${formatBytes(rate)}/s`);
    },
    done() {
      if (tty && lastDraw) io.progress?.('');
    },
  };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

const staleRestoreTestMs = 35 * 86_400_000;

/**
 * `vigil backup runbook [job]`: the restore steps for each job, written from
 * what the catalogue says worked: the newest backup, where it is, the last
 * restore test that passed and how long it took.
 */
export async function backupRunbookCommand(io: Io, job: string | undefined, opts: Opts): Promise<number> {
  return withService(io, opts, async (service, store) => {
    const jobs = job ? [service.job(job)] : service.jobs;
    const now = Date.now();
    const books = [];
    for (const j of jobs) {
      const source = backupSources[j.source] as BackupSource<unknown>;
      const backups = await store.backups.list({ job: j.name });
      const tests = (await store.backups.verifications({ job: j.name })).filter((v) => v.level === 'restore');
      const passed = tests.find((v) => v.ok);
      const newest = backups[0];
      books.push({
        job: j.name,
        source: j.source,
        target: source.describe(j.spec),
        backups: backups.length,
        newest: newest
          ? {
              id: newest.id,
              at: new Date(newest.startedAt).toISOString(),
              size: newest.size,
              location: newest.location,
            }
          : null,
        lastRestoreTest: tests[0]
          ? {
              ok: tests[0].ok,
              at: new Date(tests[0].at).toISOString(),
              durationMs: tests[0].durationMs,
              message: tests[0].message,
            }
          : null,
        lastPassedRestoreTest: passed
          ? {
              backupId: passed.backupId,
              at: new Date(passed.at).toISOString(),
              durationMs: passed.durationMs,
              target: passed.target,
            }
          : null,
        steps: newest
          ? [
              `vigil backup list ${j.name}`,
              `vigil backup verify ${newest.id} --level read`,
              `vigil backup restore ${newest.id} --to <target>`,
            ]
          : [],
        manualSteps: newest?.location ? source.manualSteps(j.spec, newest.location) : [],
      });
    }
    if (opts.json) {
      io.out(JSON.stringify({ generatedAt: new Date(now).toISOString(), jobs: books }, null, 2));
      return 0;
    }
    for (const b of books) {
      io.out(`# Restore ${b.job} (${b.source}: ${b.target})`);
      io.out(`Generated ${new Date(now).toISOString()} from Vigil's backup catalogue.\n`);
      if (!b.newest) {
        io.out(`No backup yet: run \`vigil backup run ${b.job}\`.\n`);
        continue;
      }
      io.out(
        `Newest backup: ${b.newest.id}, taken ${b.newest.at}, ${formatBytes(b.newest.size ?? 0)}, in ${b.newest.location} (${b.backups} kept)`,
      );
      const t = b.lastPassedRestoreTest;
      if (!t) io.out('Restore test: NONE PASSED. These steps are untested; run a restore test first.');
      else {
        const age = now - Date.parse(t.at);
        io.out(
          `Last passed restore test: ${t.at} on backup ${t.backupId}, into ${t.target ?? 'a scratch target'}, took ${seconds(t.durationMs)}${age > staleRestoreTestMs ? ' (OLDER THAN 35 DAYS)' : ''}`,
        );
      }
      if (b.lastRestoreTest && !b.lastRestoreTest.ok) {
        io.out(`Latest restore test FAILED at ${b.lastRestoreTest.at}: ${b.lastRestoreTest.message}`);
      }
      io.out('\nSteps:');
      b.steps.forEach((s, i) => {
        io.out(`  ${i + 1}. ${s}`);
      });
      io.out('By hand, with the native tools:');
      for (const s of b.manualSteps) io.out(`     ${s}`);
      io.out('');
    }
    return 0;
  });
}

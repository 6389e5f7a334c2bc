import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BackupFailed, capture, runPipeline, type Stage } from '../pipeline.js';
import type { BackupSource } from '../types.js';
import { treeScratch } from './files.js';

export interface ResticSpec {
  /** the tree to back up */
  path: string;
  /** restic's repository (a directory, or any location restic accepts); created on first use */
  repository: string;
  /** the repository password: give it as ${RESTIC_PASSWORD} so it stays in the environment */
  password: string;
  exclude: string[];
  /** how much of the pack data `read` verification reads: "10%", "1/5", "500M" */
  read_data_subset: string;
}

const reference = 'snapshot.json';

/**
 * A large tree through restic: incremental, deduplicated, encrypted. Vigil
 * drives `restic backup`, catalogues each snapshot as a backup (its artifact is
 * the snapshot reference), verifies with `restic check --read-data-subset`,
 * restores with `restic restore`, and forgets the snapshots retention lets go.
 * Vigil never writes an archive format of its own.
 */
export const resticSource: BackupSource<ResticSpec> = {
  schema: z.strictObject({
    path: z.string().min(1),
    repository: z.string().min(1),
    password: z.string().min(1),
    exclude: z.array(z.string().min(1)).default([]),
    read_data_subset: z
      .string()
      .regex(/^(\d+(\.\d+)?%|\d+\/\d+|\d+[KMGT]?)$/)
      .default('10%'),
  }),
  describe: (s) => `${s.path} → restic ${s.repository}`,

  async dump(spec, ctx) {
    const root = path.resolve(spec.path);
    const backup = restic(spec, [
      'backup',
      '--json',
      '--host',
      'vigil',
      '--tag',
      'vigil',
      ...spec.exclude.flatMap((e) => anchored(root, e).flatMap((a) => ['--exclude', a])),
      root,
    ]);
    const opts = { signal: ctx.signal, stdoutLimit: 1 << 20 };
    // Opening a repository costs restic a key derivation: try the backup first, initialise only when it says so.
    const r = await runPipeline([backup], opts).catch(async (e) => {
      if (!(await initialiseIfMissing(spec, e, ctx.signal))) throw e;
      return runPipeline([backup], opts);
    });
    const summary = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((m) => m.message_type === 'summary');
    if (!summary?.snapshot_id) throw new BackupFailed('restic backup reported no snapshot');
    await writeFile(
      path.join(ctx.dir, reference),
      `${JSON.stringify({ repository: spec.repository, snapshot: summary.snapshot_id, path: root, summary }, null, 2)}\n`,
    );
    return {
      tools: { restic: (await capture(['restic', 'version'])) ?? 'unknown' },
      facts: {
        snapshot: String(summary.snapshot_id),
        files: Number(summary.total_files_processed ?? 0),
        bytes_processed: Number(summary.total_bytes_processed ?? 0),
        data_added: Number(summary.data_added ?? 0),
      },
    };
  },

  async read(spec, dir, signal) {
    const snap = await snapshotOf(dir);
    await runPipeline([restic(spec, ['cat', 'snapshot', snap.snapshot])], { signal });
    await runPipeline([restic(spec, ['check', `--read-data-subset=${spec.read_data_subset}`])], { signal });
    return `snapshot ${snap.snapshot.slice(0, 8)} present; restic check read ${spec.read_data_subset} of the data`;
  },

  async restore(spec, dir, to, signal) {
    const snap = await snapshotOf(dir);
    await mkdir(to, { recursive: true });
    // restic restores under the tree's absolute path: restore beside the target, then move the tree in.
    const staging = await mkdtemp(path.join(path.dirname(path.resolve(to)), '.vigil-restore-'));
    try {
      await runPipeline([restic(spec, ['restore', snap.snapshot, '--target', staging])], { signal });
      const from = path.join(staging, snap.path);
      for (const name of await readdir(from)) {
        await rm(path.join(to, name), { recursive: true, force: true });
        await rename(path.join(from, name), path.join(to, name));
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  },

  scratch: treeScratch,

  async existing(_spec, to) {
    try {
      const n = (await readdir(to)).length;
      return n ? `${n} entries in ${to}` : undefined;
    } catch {
      return undefined;
    }
  },

  manualSteps(spec, dir) {
    return [
      `export RESTIC_PASSWORD=…   # the job's password`,
      `restic -r ${spec.repository} restore "$(jq -r .snapshot ${dir}/${reference})" --target /tmp/restore   # then move /tmp/restore${path.resolve(spec.path)} into place`,
    ];
  },

  async discard(spec, dir, signal) {
    const snap = await snapshotOf(dir);
    await runPipeline([restic(spec, ['forget', '--prune', snap.snapshot])], { signal });
  },
};

function restic(spec: ResticSpec, args: string[]): Stage {
  return { argv: ['restic', '-r', spec.repository, '-q', ...args], env: { RESTIC_PASSWORD: spec.password } };
}

/**
 * Excludes are relative to the tree, as for the files source. restic matches a
 * bare name at any depth of the absolute path (so "tmp" would exclude /tmp
 * itself): anchor each pattern under the tree.
 */
function anchored(root: string, glob: string): string[] {
  const g = glob.replace(/^\//, '');
  return glob.includes('/') ? [`${root}/${g}`] : [`${root}/${g}`, `${root}/**/${g}`];
}

/** Initialise a local repository that is absent or empty; true when it did. */
async function initialiseIfMissing(
  spec: ResticSpec,
  failure: unknown,
  signal: AbortSignal,
): Promise<boolean> {
  const local = !/^[a-z0-9]+:/i.test(spec.repository);
  if (!local || !/repository does not exist|Is there a repository/i.test(String((failure as Error).message)))
    return false;
  const empty = await readdir(spec.repository).then(
    (l) => l.length === 0,
    () => true,
  );
  if (!empty) return false;
  await runPipeline([restic(spec, ['init'])], { signal });
  return true;
}

async function snapshotOf(dir: string): Promise<{ snapshot: string; path: string }> {
  try {
    return JSON.parse(await readFile(path.join(dir, reference), 'utf8'));
  } catch (e) {
    throw new BackupFailed(`no readable ${reference} in ${dir}: ${(e as Error).message}`);
  }
}

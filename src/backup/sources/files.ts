import { access, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { globToRegExp } from '../glob.js';
import { BackupFailed, capture, runPipeline } from '../pipeline.js';
import type { BackupSource } from '../types.js';
import { compressionOf, pickCompression } from './compression.js';

export interface FilesSpec {
  path: string;
  /** globs relative to path; default: everything */
  include: string[];
  exclude: string[];
  compression: 'auto' | 'zstd' | 'gzip';
}

/**
 * A directory tree as a tar archive, compressed with zstd where installed and
 * gzip otherwise. Only regular files and symlinks are listed (tar makes their
 * directories on extraction); empty directories are not kept.
 */
export const filesSource: BackupSource<FilesSpec> = {
  schema: z.strictObject({
    path: z.string().min(1),
    include: z.array(z.string().min(1)).default([]),
    exclude: z.array(z.string().min(1)).default([]),
    compression: z.enum(['auto', 'zstd', 'gzip']).default('auto'),
  }),
  describe: (s) => s.path,

  async dump(spec, ctx) {
    const root = path.resolve(spec.path);
    const files = await walk(root, spec.include.map(globToRegExp), spec.exclude.map(globToRegExp));
    if (!files.length)
      throw new BackupFailed(`no files to back up under ${root}`, 'check files.include/exclude');
    // The list lives in the staged directory, so a crash leaves it where the next start cleans up.
    const list = path.join(ctx.dir, '.files-list');
    try {
      await writeFile(list, `${files.join('\0')}\0`);
      const compression = await pickCompression(spec.compression);
      await runPipeline(
        [
          { argv: ['tar', '-C', root, '--null', '--no-recursion', '-T', list, '-cf', '-'] },
          compression.compress,
        ],
        {
          output: path.join(ctx.dir, `files.tar.${compression.ext}`),
          signal: ctx.signal,
          onProgress: ctx.onProgress,
        },
      );
      const tool = compression.compress.argv[0]!;
      return {
        tools: {
          tar: (await capture(['tar', '--version']))?.split('\n')[0] ?? 'unknown',
          [tool]: (await capture([tool, '--version']))?.split('\n')[0] ?? 'unknown',
        },
        facts: { files: files.length },
      };
    } finally {
      await rm(list, { force: true });
    }
  },

  async read(_spec, dir, signal) {
    const file = await archive(dir);
    const r = await runPipeline(
      [compressionOf(file).decompress(file), { argv: ['tar', '-tf', '-'] }, { argv: ['wc', '-l'] }],
      { signal },
    );
    return `decompressed and listed ${Number(r.stdout.trim())} entries`;
  },

  async restore(_spec, dir, to, signal) {
    const file = await archive(dir);
    await mkdir(to, { recursive: true });
    await runPipeline([compressionOf(file).decompress(file), { argv: ['tar', '-C', to, '-xf', '-'] }], {
      signal,
    });
  },

  scratch: treeScratch,

  manualSteps(spec, dir) {
    return [
      `mkdir -p ${spec.path} && zstd -dc ${dir}/files.tar.zst | tar -C ${spec.path} -xf -   # .gz: gzip -dc`,
    ];
  },

  async existing(_spec, to) {
    try {
      const n = (await readdir(to)).length;
      return n ? `${n} entries in ${to}` : undefined;
    } catch {
      return undefined;
    }
  },
};

/** Files under root (relative, sorted) that match an include (if any) and no exclude. */
async function walk(root: string, include: RegExp[], exclude: RegExp[]): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(path.join(root, rel), { withFileTypes: true });
    } catch (e) {
      throw new BackupFailed(`cannot read ${path.join(root, rel)}: ${(e as Error).message}`);
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (exclude.some((r) => r.test(p))) continue;
      if (e.isDirectory()) await visit(p);
      else if ((e.isFile() || e.isSymbolicLink()) && (!include.length || include.some((r) => r.test(p))))
        out.push(p);
    }
  };
  await visit('');
  return out;
}

async function archive(dir: string): Promise<string> {
  const name = (await readdir(dir)).find((f) => f.startsWith('files.tar.'));
  if (!name) throw new BackupFailed(`no files.tar.* in ${dir}`);
  return path.join(dir, name);
}

/** A temporary directory to restore a tree into; an assertion names a path that must exist in it. */
export async function treeScratch() {
  const target = await mkdtemp(path.join(tmpdir(), 'vigil-restore-'));
  return {
    target,
    label: target,
    async assert(check: string) {
      return access(path.join(target, check)).then(
        () => true,
        () => false,
      );
    },
    async drop() {
      await rm(target, { recursive: true, force: true });
    },
  };
}

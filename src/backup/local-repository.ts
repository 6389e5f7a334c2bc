import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fsyncPath } from './pipeline.js';
import type { Manifest, Repository, StoredBackup } from './repository.js';

const tmpPrefix = '.tmp-';

/**
 * A repository in a local directory: `<root>/<job>/<time>-<id>/` with the
 * artifact files and `manifest.json`. A backup is written under
 * `<root>/<job>/.tmp-<pid>-<time>-<id>/`, every file and the directory fsynced, then
 * renamed into place: a directory without the prefix is always complete.
 */
export function localRepository(root: string): Repository {
  const jobDir = (job: string) => path.join(root, job);
  const read = async (dir: string): Promise<StoredBackup | undefined> => {
    try {
      const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
      return { manifest, dir };
    } catch {
      return undefined;
    }
  };
  const all = async (job?: string): Promise<StoredBackup[]> => {
    const jobs = job ? [job] : await entries(root);
    const out: StoredBackup[] = [];
    for (const j of jobs) {
      for (const name of await entries(jobDir(j))) {
        if (name.startsWith(tmpPrefix)) continue;
        const b = await read(path.join(jobDir(j), name));
        if (b) out.push(b);
      }
    }
    return out.sort((a, b) => (a.manifest.startedAt < b.manifest.startedAt ? 1 : -1));
  };
  return {
    async stage(job, id, startedAt) {
      const dir = path.join(jobDir(job), `${tmpPrefix}${process.pid}-${stamp(startedAt)}-${id}`);
      await mkdir(dir, { recursive: true });
      return dir;
    },
    async commit(staged, manifest) {
      const file = path.join(staged, 'manifest.json');
      await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
      await fsyncPath(file);
      await fsyncDir(staged);
      const final = path.join(path.dirname(staged), path.basename(staged).replace(/^\.tmp-\d+-/, ''));
      await rename(staged, final);
      await fsyncDir(path.dirname(final));
      return { manifest, dir: final };
    },
    async abandon(staged) {
      await rm(staged, { recursive: true, force: true });
    },
    list: all,
    async get(id) {
      return (await all()).find((b) => b.manifest.id === id || b.manifest.id.startsWith(id));
    },
    async delete(id) {
      const b = (await all()).find((x) => x.manifest.id === id);
      if (!b) return;
      // Hide it first (a rename is atomic), then remove: a crash never leaves half a listed backup.
      const hidden = path.join(
        path.dirname(b.dir),
        `${tmpPrefix}${process.pid}-deleting-${path.basename(b.dir)}`,
      );
      await rename(b.dir, hidden);
      await rm(hidden, { recursive: true, force: true });
    },
    async cleanup() {
      let n = 0;
      for (const j of await entries(root)) {
        for (const name of await entries(jobDir(j))) {
          if (!name.startsWith(tmpPrefix)) continue;
          // Another live process (the daemon, a CLI run) may be writing this one right now.
          const owner = Number(/^\.tmp-(\d+)-/.exec(name)?.[1]);
          if (owner && owner !== process.pid && alive(owner)) continue;
          await rm(path.join(jobDir(j), name), { recursive: true, force: true });
          n++;
        }
      }
      return n;
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** 20261127T020000Z: sorts by time, safe in file names. */
function stamp(at: number): string {
  return new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

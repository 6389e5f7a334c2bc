import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../src/errors.js';
import { type Harness, harness } from './harness.js';

/** A 2 MB filesystem for the repository, where this machine lets a test mount one (root). */
function smallDisk(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch (e) {
    if (process.env.CI === 'true') throw new Error(`mounting a small tmpfs is required under CI=true: ${e}`);
    console.warn('skipping: cannot mount a small tmpfs here (needs root)');
    return false;
  }
}

describe('a backup into a full repository', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'vigil-full-repo-'));
  const repo = path.join(root, 'repo');
  const src = path.join(root, 'src');
  mkdirSync(repo);
  const mounted = smallDisk(repo);
  let h: Harness;
  beforeAll(async () => {
    mkdirSync(src);
    // 3 MB that does not compress: it cannot fit in 2 MB
    writeFileSync(path.join(src, 'big.bin'), randomBytes(3 * 1024 * 1024));
    h = await harness([{ name: 'big', files: { path: src, compression: 'gzip' } }], { repo });
  });
  afterAll(async () => {
    await h?.close();
    if (mounted) execFileSync('umount', [repo]);
    rmSync(root, { recursive: true, force: true });
  });

  it.skipIf(!mounted)(
    'fails with BACKUP_FAILED, lists nothing, leaves no partial file, and works once there is room',
    async () => {
      const err = await h.service.run('big').catch((e) => e);
      expect(err).toBeInstanceOf(VigilError);
      expect((err as VigilError).code).toBe('BACKUP_FAILED');
      expect(String((err as VigilError).message)).toMatch(/ENOSPC|no space/i);
      expect(await h.store.backups.list({ job: 'big' })).toEqual([]);
      const left = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? left(path.join(dir, e.name)) : [path.join(dir, e.name)],
        );
      expect(left(repo)).toEqual([]);
      // room again: a smaller source fits, and the same job succeeds
      writeFileSync(path.join(src, 'big.bin'), randomBytes(256 * 1024));
      const b = await h.service.run('big');
      expect(b.status).toBe('ok');
      expect((await h.store.backups.list({ job: 'big' })).map((x) => x.id)).toEqual([b.id]);
    },
  );
});

import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localRepository } from '../../src/backup/local-repository.js';
import type { Manifest } from '../../src/backup/repository.js';
import { type Harness, harness } from './harness.js';

const manifest = (id: string): Manifest => ({
  id,
  job: 'app',
  source: 'files',
  target: '/srv/app',
  startedAt: '2026-11-27T02:00:00.000Z',
  endedAt: '2026-11-27T02:00:05.000Z',
  durationMs: 5000,
  files: [{ name: 'a', size: 1, sha256: 'x' }],
  size: 1,
  tools: {},
  facts: {},
  vigil: 'test',
});

describe('local repository', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'vigil-repo-'));
    dirs.push(d);
    return d;
  };
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('lists only committed backups; a staged one is invisible until commit', async () => {
    const root = tmp();
    const repo = localRepository(root);
    const staged = await repo.stage('app', 'aaaa0001', Date.parse('2026-11-27T02:00:00Z'));
    writeFileSync(path.join(staged, 'a'), 'x');
    expect(await repo.list()).toEqual([]);
    const stored = await repo.commit(staged, manifest('aaaa0001'));
    expect(path.basename(stored.dir)).toBe('20261127T020000Z-aaaa0001');
    expect((await repo.list()).map((b) => b.manifest.id)).toEqual(['aaaa0001']);
    await repo.delete('aaaa0001');
    expect(await repo.list()).toEqual([]);
    expect(readdirSync(path.join(root, 'app'))).toEqual([]);
  });

  it("cleans leftovers of dead processes, never a live process's run in progress", async () => {
    const root = tmp();
    const live = path.join(root, 'app', `.tmp-${process.ppid}-20261127T020000Z-live0001`);
    const dead = path.join(root, 'app', '.tmp-2147483646-20261127T020000Z-dead0001');
    mkdirSync(live, { recursive: true });
    mkdirSync(dead, { recursive: true });
    expect(await localRepository(root).cleanup()).toBe(1);
    expect(readdirSync(path.join(root, 'app'))).toEqual([path.basename(live)]);
  });

  it('catalogues a committed backup whose run died before recording it', async () => {
    const root = tmp();
    const repo = localRepository(root);
    const staged = await repo.stage('app', 'bbbb0001', Date.parse('2026-11-27T02:00:00Z'));
    writeFileSync(path.join(staged, 'a'), 'x');
    await repo.commit(staged, manifest('bbbb0001'));
    h = await harness([{ name: 'app', files: { path: root } }], { repo: root });
    expect(await h.service.recover()).toEqual({ cleaned: 0, catalogued: 1 });
    expect((await h.store.backups.list()).map((b) => b.id)).toEqual(['bbbb0001']);
  });

  it('a dump below min_size fails the run and leaves nothing', async () => {
    const src = tmp();
    writeFileSync(path.join(src, 'tiny'), 'x');
    h = await harness([{ name: 'tiny', files: { path: src }, min_size: '1MB' }]);
    await expect(h.service.run('tiny')).rejects.toMatchObject({
      code: 'BACKUP_FAILED',
      message: expect.stringMatching(/below the minimum of 1000000/),
    });
    expect(await h.store.backups.list()).toEqual([]);
    expect(readdirSync(path.join(h.repo, 'tiny'))).toEqual([]);
  });
});

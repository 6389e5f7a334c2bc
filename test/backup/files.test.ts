import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globToRegExp } from '../../src/backup/glob.js';
import { type Harness, harness } from './harness.js';

function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string) => {
    for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(p);
      else out[p] = readFileSync(path.join(root, p), 'utf8');
    }
  };
  visit('');
  return out;
}

describe.each(['zstd', 'gzip'] as const)('files backups (tar + %s)', (compression) => {
  let h: Harness;
  let src: string;
  beforeAll(async () => {
    src = mkdtempSync(path.join(tmpdir(), 'vigil-files-src-'));
    mkdirSync(path.join(src, 'uploads/2026'), { recursive: true });
    mkdirSync(path.join(src, 'cache'), { recursive: true });
    writeFileSync(path.join(src, 'config.yaml'), 'a: 1\n');
    for (let i = 0; i < 20; i++)
      writeFileSync(path.join(src, 'uploads/2026', `f${i}.txt`), `file ${i}\n`.repeat(50));
    writeFileSync(path.join(src, 'uploads/debug.log'), 'noise');
    writeFileSync(path.join(src, 'cache/blob'), 'cache');
    h = await harness([
      {
        name: 'uploads',
        files: { path: src, exclude: ['cache', '*.log'], compression },
        verify: { cron: '0 5 1 * *', assert: ['config.yaml', 'uploads/2026/f19.txt'] },
      },
      { name: 'only-yaml', files: { path: src, include: ['*.yaml'], compression }, min_size: 1 },
    ]);
  });
  afterAll(async () => {
    await h?.close();
    rmSync(src, { recursive: true, force: true });
  });

  it('round trip: backup, verify at every level, destroy, restore, same files', async () => {
    const backup = await h.service.run('uploads');
    const manifest = backup.manifest as { files: { name: string }[]; facts: { files: number } };
    expect(manifest.files[0]!.name).toBe(`files.tar.${compression === 'zstd' ? 'zst' : 'gz'}`);
    expect(manifest.facts.files).toBe(21);
    for (const level of ['checksum', 'read', 'restore'] as const) {
      const v = await h.service.verify(backup.id, level);
      expect(v, v.message).toMatchObject({ ok: true, level });
    }
    const expected = tree(src);
    delete expected['cache/blob'];
    delete expected['uploads/debug.log'];
    rmSync(src, { recursive: true, force: true });
    await h.service.restore(backup.id, src);
    expect(tree(src)).toEqual(expected);
    // the archive is one that tar itself reads
    const archive = path.join(backup.location!, manifest.files[0]!.name);
    const listed = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toHaveLength(21);
  });

  it('include keeps only what matches', async () => {
    const backup = await h.service.run('only-yaml');
    expect((backup.manifest as { facts: { files: number } }).facts.files).toBe(1);
  });

  it('a truncated archive fails checksum and read', async () => {
    const backup = await h.service.run('uploads');
    const file = readdirSync(backup.location!).find((f) => f.startsWith('files.tar.'))!;
    const full = path.join(backup.location!, file);
    const bytes = readFileSync(full);
    writeFileSync(full, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect((await h.service.verify(backup.id, 'checksum')).ok).toBe(false);
    const { sha256File } = await import('../../src/backup/pipeline.js');
    const manifestFile = path.join(backup.location!, 'manifest.json');
    const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
    m.files[0] = { name: file, ...(await sha256File(full)) };
    writeFileSync(manifestFile, JSON.stringify(m));
    const read = await h.service.verify(backup.id, 'read');
    expect(read.ok, read.message).toBe(false);
  });
});

describe('globToRegExp', () => {
  it.each([
    ['*.log', 'a/b/x.log', true],
    ['*.log', 'x.log', true],
    ['*.log', 'x.logs', false],
    ['cache', 'cache/blob', true],
    ['cache', 'a/cache/blob', true],
    ['/cache', 'a/cache/blob', false],
    ['uploads/**/*.jpg', 'uploads/2026/01/a.jpg', true],
    ['uploads/**/*.jpg', 'uploads/a.jpg', true],
    ['uploads/*.jpg', 'uploads/2026/a.jpg', false],
    ['f?.txt', 'f1.txt', true],
  ])('%s matches %s: %s', (glob, p, expected) => {
    expect(globToRegExp(glob).test(p)).toBe(expected);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, harness, required } from './harness.js';

const installed = spawnSync('restic', ['version']).status === 0;

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

describe.runIf(required('restic', installed))('restic backups', () => {
  let h: Harness;
  let dir: string;
  let src: string;
  let repo: string;
  const password = 'vigil-test-password';
  const snapshots = () =>
    JSON.parse(
      execFileSync('restic', ['-r', repo, 'snapshots', '--json'], {
        env: { ...process.env, RESTIC_PASSWORD: password },
      }).toString(),
    ) as { short_id: string; tags?: string[] }[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-restic-src-'));
    src = path.join(dir, 'tree');
    repo = path.join(dir, 'restic-repo');
    mkdirSync(path.join(src, 'docs'), { recursive: true });
    mkdirSync(path.join(src, 'tmp'), { recursive: true });
    for (let i = 0; i < 30; i++)
      writeFileSync(path.join(src, 'docs', `d${i}.txt`), `document ${i}\n`.repeat(200));
    writeFileSync(path.join(src, 'tmp', 'scratch'), 'skip me');
    h = await harness([
      {
        name: 'docs',
        restic: { path: src, repository: repo, password, exclude: ['tmp'], read_data_subset: '100%' },
        keep: { last: 1 },
        verify: { cron: '0 5 1 * *', assert: ['docs/d29.txt'] },
      },
    ]);
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round trip: restic backup, verify at every level, destroy, restore, same files', async () => {
    const backup = await h.service.run('docs');
    const manifest = backup.manifest as {
      facts: Record<string, number | string>;
      tools: Record<string, string>;
    };
    expect(manifest.tools.restic).toMatch(/^restic \d+\.\d+/);
    expect(manifest.facts.files).toBe(30);
    expect(snapshots().map((s) => s.short_id)).toEqual([manifest.facts.snapshot]);
    for (const level of ['checksum', 'read', 'restore'] as const) {
      const v = await h.service.verify(backup.id, level);
      expect(v, v.message).toMatchObject({ ok: true, level });
    }
    const expected = tree(src);
    delete expected['tmp/scratch'];
    rmSync(src, { recursive: true, force: true });
    await h.service.restore(backup.id, src);
    expect(tree(src)).toEqual(expected);
  });

  it('a second run adds only what changed; retention forgets the snapshot it lets go', async () => {
    writeFileSync(path.join(src, 'docs', 'd0.txt'), 'changed\n');
    const second = await h.service.run('docs');
    const facts = (second.manifest as { facts: Record<string, number> }).facts;
    const first = (await h.store.backups.list({ job: 'docs' }))[1]!.manifest as {
      facts: Record<string, number>;
    };
    expect(facts.data_added).toBeLessThan(first.facts.data_added! / 3);
    expect(snapshots()).toHaveLength(2);
    // The first passed its restore test and is the newest verified backup: it stays until the second is verified.
    expect((await h.service.prune('docs')).every((d) => d.keep)).toBe(true);
    expect((await h.service.verify(second.id, 'read')).ok).toBe(true);
    const decisions = await h.service.prune('docs');
    expect(decisions.filter((d) => !d.keep)).toHaveLength(1);
    expect(snapshots().map((s) => s.short_id)).toEqual([facts.snapshot]);
    expect((await h.store.backups.list({ job: 'docs' })).map((b) => b.id)).toEqual([second.id]);
  });
});

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../cli/io.js';

/** The built CLI, killed the way a crash kills it. */
const bin = path.resolve('bin/vigil.js');

function config(dir: string, repo: string, src: string): string {
  const file = path.join(dir, 'vigil.yaml');
  writeFileSync(
    file,
    `storage: sqlite:${path.join(dir, 'vigil.db')}
backups:
  repository: ${repo}
  jobs:
    - name: big
      files: { path: ${src}, compression: gzip }
`,
  );
  return file;
}

async function list(dir: string, file: string) {
  const c = captureIo(dir);
  const code = await main(['node', 'vigil', 'backup', 'list', '--json', '--config', file], c.io);
  return { code, backups: JSON.parse(c.stdout()).backups as unknown[] };
}

const temps = (repo: string) =>
  existsSync(path.join(repo, 'big'))
    ? readdirSync(path.join(repo, 'big')).filter((n) => n.startsWith('.tmp-'))
    : [];

describe('a backup cut short', () => {
  let dir: string;
  let src: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-crash-'));
    src = path.join(dir, 'src');
    mkdirSync(src);
    // Incompressible data, so the archive grows steadily while gzip works through it.
    for (let i = 0; i < 6; i++) writeFileSync(path.join(src, `blob${i}`), randomBytes(8 << 20));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('kill -9 mid-backup: nothing listed, the temporary directory removed at the next start', async () => {
    const repo = path.join(dir, 'repo');
    const file = config(dir, repo, src);
    const child = spawn(process.execPath, [bin, 'backup', 'run', 'big', '--config', file], {
      stdio: 'ignore',
    });
    const exited = once(child, 'exit');
    // Wait until the archive is being written, then kill without warning.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [tmp] = temps(repo);
      const artifact = tmp && path.join(repo, 'big', tmp, 'files.tar.gz');
      if (artifact && existsSync(artifact) && statSync(artifact).size > 0) break;
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error('the backup never started writing');
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await exited;
    expect(temps(repo)).toHaveLength(1);

    const after = await list(dir, file);
    expect(after.code).toBe(0);
    expect(after.backups).toEqual([]);
    expect(temps(repo)).toEqual([]);
  });

  it('disk full mid-backup: the run fails, nothing is listed, nothing is left', async (ctx) => {
    const repo = path.join(dir, 'small');
    mkdirSync(repo);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', repo], { stdio: 'pipe' });
    } catch (e) {
      // Mounting needs root; elsewhere this case cannot be staged without it.
      if (process.env.CI === 'true' && process.getuid?.() === 0) throw e;
      ctx.skip();
    }
    try {
      const file = config(dir, repo, src);
      const c = captureIo(dir);
      const code = await main(['node', 'vigil', 'backup', 'run', 'big', '--config', file], c.io);
      expect(code).toBe(3);
      expect(c.stdout()).toMatch(/failed {2}big {2}gzip exited with 1: .*No space left on device/);
      expect(c.stdout()).toMatch(/hint: the disk is full/);
      expect((await list(dir, file)).backups).toEqual([]);
      expect(temps(repo)).toEqual([]);
    } finally {
      execFileSync('umount', [repo]);
    }
  });
});

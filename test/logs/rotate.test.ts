import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { periodPassed, type RotateDeps, rotateFile } from '../../src/logs/rotate.js';
import { rotateSchema } from '../../src/logs/rotate-config.js';
import { captureIo } from '../cli/io.js';

const root = mkdtempSync(path.join(tmpdir(), 'vigil-rotate-'));
let n = 0;
const fresh = () => {
  const d = path.join(root, String(n++));
  mkdirSync(d, { mode: 0o755 });
  return d;
};
const day = 86_400_000;
const now = Date.UTC(2026, 10, 27, 12);
const memory = (last?: number): RotateDeps & { recorded: number[] } => {
  const recorded: number[] = [];
  return {
    now,
    lastRotated: async () => last,
    recordRotated: async (_f, at) => void recorded.push(at),
    recorded,
  };
};
const opts = (o: Record<string, unknown>) => rotateSchema.parse(o);

describe('rotation: Vigil’s fixes to logrotate’s traps', () => {
  it('first run judges `when` from the file’s mtime (logrotate only records the date)', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'old\n');
    utimesSync(file, (now - 3 * day) / 1000, (now - 3 * day) / 1000);
    const r = await rotateFile(file, opts({ when: 'daily' }), memory());
    expect(r.rotated).toBe(true);
    writeFileSync(path.join(dir, 'today.log'), 'new\n');
    utimesSync(path.join(dir, 'today.log'), now / 1000, now / 1000);
    expect((await rotateFile(path.join(dir, 'today.log'), opts({ when: 'daily' }), memory())).rotated).toBe(
      false,
    );
  });

  it('never overwrites an existing rotated file: fails, changes nothing, records nothing', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'live\n');
    const stamp = `app.log-${new Date(now).getFullYear()}${String(new Date(now).getMonth() + 1).padStart(2, '0')}${String(new Date(now).getDate()).padStart(2, '0')}`;
    writeFileSync(path.join(dir, stamp), 'rotated earlier today\n');
    const deps = memory();
    await expect(rotateFile(file, opts({ max_size: 1, dateext: true }), deps)).rejects.toMatchObject({
      code: 'LOG_ROTATE_FAILED',
    });
    expect(readFileSync(file, 'utf8')).toBe('live\n');
    expect(readFileSync(path.join(dir, stamp), 'utf8')).toBe('rotated earlier today\n');
    expect(deps.recorded).toEqual([]);
  });

  it('refuses a world-writable directory and a hard-linked file unless told otherwise', async () => {
    const dir = fresh();
    chmodSync(dir, 0o777);
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'x\n');
    await expect(rotateFile(file, opts({ max_size: 1 }), memory())).rejects.toThrow(/world-writable/);
    expect(
      (await rotateFile(file, opts({ max_size: 1, allow_world_writable: true }), memory())).rotated,
    ).toBe(true);
    const dir2 = fresh();
    const linked = path.join(dir2, 'app.log');
    writeFileSync(linked, 'x\n');
    linkSync(linked, path.join(dir2, 'other-name'));
    await expect(rotateFile(linked, opts({ max_size: 1 }), memory())).rejects.toThrow(/hard links/);
  });

  it('a failed post hook is reported as a failure and the rotation is not recorded', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'x\n');
    const deps = memory();
    await expect(rotateFile(file, opts({ max_size: 1, post: 'exit 7' }), deps)).rejects.toThrow(
      /post hook failed/,
    );
    expect(deps.recorded).toEqual([]);
    const ok = fresh();
    writeFileSync(path.join(ok, 'app.log'), 'x\n');
    const marker = path.join(ok, 'hook-ran');
    await rotateFile(
      path.join(ok, 'app.log'),
      opts({ max_size: 1, post: `echo "$VIGIL_LOG_FILE" > ${marker}` }),
      memory(),
    );
    expect(readFileSync(marker, 'utf8').trim()).toBe(path.join(ok, 'app.log'));
  });

  it('zstd compression leaves only the .zst, which decompresses to the original', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'compress me\n');
    await rotateFile(file, opts({ max_size: 1, compress: 'zstd' }), memory());
    expect(readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1.zst']);
    expect(execFileSync('zstd', ['-dc', path.join(dir, 'app.log.1.zst')]).toString()).toBe('compress me\n');
  });

  it('olddir on another filesystem is refused in rename mode', async () => {
    const shm = '/dev/shm';
    if (!existsSync(shm)) return;
    const dir = fresh();
    const other = mkdtempSync(path.join(shm, 'vigil-olddir-'));
    writeFileSync(path.join(dir, 'app.log'), 'x\n');
    await expect(
      rotateFile(path.join(dir, 'app.log'), opts({ max_size: 1, olddir: other }), memory()),
    ).rejects.toThrow(/another filesystem/);
    const r = await rotateFile(
      path.join(dir, 'app.log'),
      opts({ max_size: 1, olddir: other, mode: 'copytruncate' }),
      memory(),
    );
    expect(r.rotated).toBe(true);
    expect(readFileSync(path.join(other, 'app.log.1'), 'utf8')).toBe('x\n');
  });

  it('a missing file is an error unless missing_ok', async () => {
    const dir = fresh();
    await expect(
      rotateFile(path.join(dir, 'nope.log'), opts({ max_size: 1 }), memory()),
    ).rejects.toMatchObject({
      code: 'LOG_NOT_FOUND',
    });
    expect(
      (await rotateFile(path.join(dir, 'nope.log'), opts({ max_size: 1, missing_ok: true }), memory()))
        .rotated,
    ).toBe(false);
  });

  it('calendar rules', () => {
    const at = (s: string) => new Date(s).getTime();
    expect(periodPassed('daily', at('2026-11-26T23:59:00'), at('2026-11-27T00:01:00'))).toBe(true);
    expect(periodPassed('daily', at('2026-11-27T00:01:00'), at('2026-11-27T23:59:00'))).toBe(false);
    // Sunday after Saturday: a new week
    expect(periodPassed('weekly', at('2026-11-28T12:00:00'), at('2026-11-29T12:00:00'))).toBe(true);
    expect(periodPassed('weekly', at('2026-11-23T12:00:00'), at('2026-11-28T12:00:00'))).toBe(false);
    expect(periodPassed('monthly', at('2026-11-30T12:00:00'), at('2026-12-01T00:00:00'))).toBe(true);
  });
});

describe('vigil logs rotate', () => {
  it('--dry-run prints the plan and changes nothing; a real run rotates and records it in the store', async () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'app.log'), 'line\n'.repeat(100));
    writeFileSync(path.join(dir, 'app.log.1'), 'one\n');
    writeFileSync(
      path.join(dir, 'vigil.yaml'),
      `storage: sqlite:${path.join(dir, 'vigil.db')}\nlogs:\n  - path: ${dir}/*.log\n    rotate: { max_size: 100, keep: 5, compress: gzip }\n`,
    );
    const run = async (...args: string[]) => {
      const cap = captureIo(dir);
      const code = await main(['node', 'vigil', 'logs', 'rotate', ...args], cap.io);
      return { code, ...cap };
    };
    const dry = await run('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout()).toContain('would rotate');
    expect(dry.stdout()).toContain(`rename ${dir}/app.log.1 → ${dir}/app.log.2`);
    expect(readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1', 'vigil.db', 'vigil.yaml']);
    const real = await run('--json');
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout()).results[0].rotated).toBe(true);
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith('app'))
        .sort(),
    ).toEqual(['app.log', 'app.log.1.gz', 'app.log.2']);
  });
});

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { logCheck } from '../../src/checks/log.js';
import { rotateFile } from '../../src/logs/rotate.js';
import { rotateSchema } from '../../src/logs/rotate-config.js';
import { makeCtx } from '../checks/ctx.js';

const writerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'writer.mjs');
const root = mkdtempSync(path.join(tmpdir(), 'vigil-reliability-'));

/** The writer, with a way to await its next line of stdout. */
function startWriter(file: string) {
  const child = spawn(process.execPath, [writerScript, file]) as ChildProcessWithoutNullStreams;
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const next = () =>
    new Promise<string>((resolve) => {
      const l = lines.shift();
      if (l !== undefined) resolve(l);
      else waiters.push(resolve);
    });
  return {
    child,
    next,
    async stop(): Promise<number> {
      child.stdin.write('stop\n');
      for (;;) {
        const l = await next();
        if (l.startsWith('done ')) return Number(l.slice(5));
      }
    },
  };
}

/** Every number in the log files of `dir`: how often each appears. */
function numbers(dir: string): Map<number, number> {
  const seen = new Map<number, number>();
  for (const f of readdirSync(dir)) {
    if (!f.startsWith('app.log')) continue;
    for (const m of readFileSync(path.join(dir, f), 'utf8').matchAll(/ line (\d+)\n/g)) {
      const k = Number(m[1]);
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
  }
  return seen;
}

const deps = { now: Date.now(), lastRotated: async () => undefined, recordRotated: async () => {} };

describe('reliability: a writer at ~20k lines/s while rotation runs 100 times', () => {
  it('rename + create with the reopen hook: every number exactly once; the log check counts them all', async () => {
    const dir = path.join(root, 'rename');
    mkdirSync(dir);
    const file = path.join(dir, 'app.log');
    writeFileSync(file, '');
    const check = logCheck.schema.parse({ path: file, from: 'start' });
    const ctx = makeCtx({ timeoutMs: 60_000 });
    await logCheck.run(check, ctx);
    const writer = startWriter(file);
    expect(await writer.next()).toBe('ready');
    const opts = rotateSchema.parse({ max_size: 0, keep: 1000, post: `kill -HUP ${writer.child.pid}` });
    for (let i = 0; i < 100; i++) {
      const r = await rotateFile(file, opts, deps);
      expect(r.rotated).toBe(true);
      expect(await writer.next()).toBe('reopened');
      if (i % 3 === 0) await logCheck.run(check, ctx);
    }
    const written = await writer.stop();
    // twice: the second run finishes rotated files a writer might still have been writing to
    await logCheck.run(check, ctx);
    const final = await logCheck.run(check, ctx);

    const seen = numbers(dir);
    expect(written).toBeGreaterThan(0);
    const missing = [...Array(written).keys()].filter((k) => !seen.has(k));
    const doubled = [...seen].filter(([, c]) => c !== 1);
    expect(missing).toEqual([]);
    expect(doubled).toEqual([]);
    expect(seen.size).toBe(written);
    const lines = final.samples?.find((s) => s.name === 'log_lines_total')?.value;
    const errors = final.samples?.find(
      (s) => s.name === 'log_matches_total' && s.labels?.level === 'error',
    )?.value;
    expect(lines).toBe(written);
    expect(errors).toBe(Math.ceil(written / 50));
    console.log(
      `rename+create: ${written} lines written, 100 rotations, 0 lost, 0 doubled; log check counted ${lines}`,
    );
  });

  it('copytruncate: measures how many lines are lost between copy and truncate', async () => {
    const dir = path.join(root, 'copytruncate');
    mkdirSync(dir);
    const file = path.join(dir, 'app.log');
    writeFileSync(file, '');
    const writer = startWriter(file);
    expect(await writer.next()).toBe('ready');
    const opts = rotateSchema.parse({ max_size: 0, keep: 1000, mode: 'copytruncate' });
    for (let i = 0; i < 100; i++) expect((await rotateFile(file, opts, deps)).rotated).toBe(true);
    const written = await writer.stop();
    const seen = numbers(dir);
    const doubled = [...seen].filter(([, c]) => c !== 1);
    const lost = written - seen.size;
    expect(doubled).toEqual([]);
    expect(lost).toBeGreaterThanOrEqual(0);
    console.log(
      `copytruncate: ${written} lines written, 100 rotations, ${lost} lost (${((lost / written) * 100).toFixed(3)}%)`,
    );
  });
});

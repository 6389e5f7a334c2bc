import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import type { openStore as OpenStore } from '../../src/store/store.js';

/**
 * The built store (dist/, as `vigil up` runs it) writes a SQLite file's results on a worker
 * thread: the event loop stays free while a batch is written, answers come only after commit,
 * in order, and a failed batch is reported without taking the writer down.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-writer-'));
let openStore: typeof OpenStore;

beforeAll(async () => {
  ({ openStore } = await import(pathToFileURL(path.resolve('dist/store/store.js')).href));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const t0 = Date.UTC(2026, 11, 6, 3, 0);
const result = (check: string, i: number, samples = 10): CheckResult => ({
  check,
  kind: 'http',
  status: i % 2 ? 'ok' : 'critical',
  message: `run ${i}`,
  startedAt: t0 + i * 1000,
  durationMs: 5,
  samples: Array.from({ length: samples }, (_, k) => ({
    name: 'probe_phase_seconds',
    labels: { check, phase: `p${k}` },
    value: i + k / 100,
  })),
});

describe('the SQLite writer thread (built store)', () => {
  it('writes off the event loop, in order, and answers only after commit', async () => {
    const file = path.join(dir, 'a.db');
    const store = await openStore(`sqlite:${file}`);
    try {
      // 5,000 results with 50,000 samples: seconds of SQLite work if it ran on this thread.
      const big = Array.from({ length: 5000 }, (_, i) => result(`c${i % 50}`, i));
      let done = false;
      const written = store.record(big).then(() => {
        done = true;
      });
      // The event loop turns while the batch is written: written on this thread, the batch would
      // have been stored (and its promise settled) before the next turn.
      await new Promise((r) => setImmediate(r));
      expect(done).toBe(false);
      await written;

      // batches sent without waiting are applied in the order sent
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.record([result('ordered', 10_000 + i, 1)])),
      );
      const ordered = (await store.checks.all()).find((c) => c.name === 'ordered');
      expect(ordered?.last?.message).toBe('run 10019');

      // committed: another connection sees every row
      const other = new Database(file, { readonly: true });
      try {
        expect(other.prepare('select count(*) as n from check_results').get()).toEqual({ n: 5020 });
        expect(other.prepare('select count(*) as n from samples').get()).toEqual({ n: 50_020 });
      } finally {
        other.close();
      }
    } finally {
      await store.close();
    }
  });

  it('rejects a batch the database refuses with its SQLite code, and goes on writing', async () => {
    const store = await openStore(`sqlite:${path.join(dir, 'b.db')}`);
    try {
      const bad = { ...result('x', 1), check: null as unknown as string };
      await expect(store.record([bad])).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_NOTNULL' });
      await store.record([result('after', 2)]);
      expect((await store.checks.all()).map((c) => c.name)).toEqual(['after']);
    } finally {
      await store.close();
    }
  });

  it('close waits for batches already sent, and the file opens again', async () => {
    const file = path.join(dir, 'c.db');
    const store = await openStore(`sqlite:${file}`);
    const pending = store.record(Array.from({ length: 500 }, (_, i) => result('late', i)));
    await Promise.all([pending, store.close()]);
    const again = await openStore(`sqlite:${file}`);
    try {
      expect((await again.checks.all()).find((c) => c.name === 'late')?.last?.message).toBe('run 499');
    } finally {
      await again.close();
    }
  });
});

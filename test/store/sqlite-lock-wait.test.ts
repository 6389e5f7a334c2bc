import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import { whenUnlocked } from '../../src/store/dialects/sqlite-patient.js';
import { openStore } from '../../src/store/store.js';

/**
 * Another connection holding the SQLite file's write lock (the results writer thread, a CLI
 * command) makes the daemon's own writes wait: on a timer, with the event loop free, not asleep
 * in SQLite's busy handler on the main thread.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-lockwait-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = (id: string) => ({
  id,
  host: 'h',
  pid: 1,
  version: 'test',
  url: null,
  startedAt: 0,
});

const result = (i: number): CheckResult => ({
  check: 'c',
  kind: 'http',
  status: 'ok',
  message: `run ${i}`,
  startedAt: Date.UTC(2026, 11, 6) + i * 1000,
  durationMs: 5,
  samples: [{ name: 'probe_success', labels: { check: 'c' }, value: 1 }],
});

/** Holds the write lock of `file` from another connection until the returned function is called. */
function holdWriteLock(file: string): () => void {
  const other = new Database(file);
  other.prepare('begin immediate').run();
  return () => {
    other.prepare('commit').run();
    other.close();
  };
}

describe('writes that meet another connection’s write lock', () => {
  it('wait without blocking the event loop, and land once the lock is free', async () => {
    const file = path.join(dir, 'a.db');
    const store = await openStore(`sqlite:${file}`);
    const lag = monitorEventLoopDelay({ resolution: 5 });
    try {
      await store.cluster.heartbeat(node('warm'), 1);
      const release = holdWriteLock(file);
      lag.enable();
      let done = false;
      // a query-builder write and a results batch, both behind the other connection's lock
      const writes = Promise.all([store.cluster.heartbeat(node('n1'), 2), store.record([result(1)])]).then(
        () => {
          done = true;
        },
      );
      // 300 ms of timers on this thread: each fires on time while the writes wait
      let late = 0;
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        await new Promise((r) => setTimeout(r, 10));
        late = Math.max(late, performance.now() - t - 10);
      }
      expect(done).toBe(false);
      release();
      await writes;
      lag.disable();
      // Asleep in the busy handler, one timer would have waited the whole 300 ms.
      expect(late).toBeLessThan(100);
      expect(lag.max / 1e6).toBeLessThan(100);
      expect((await store.cluster.nodes()).map((n) => n.id)).toContain('n1');
      expect((await store.checks.all()).find((c) => c.name === 'c')?.last?.message).toBe('run 1');
    } finally {
      await store.close();
    }
  });

  it('fail with SQLITE_BUSY once the wait runs out', async () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    let tries = 0;
    const started = performance.now();
    await expect(
      whenUnlocked(
        () => {
          tries++;
          throw busy;
        },
        () => false,
        60,
      ),
    ).rejects.toBe(busy);
    expect(performance.now() - started).toBeGreaterThanOrEqual(60);
    // tried on a timer meanwhile, more often early on (1, 2, 4, 8, 16 ms, then every 20 ms)
    expect(tries).toBeGreaterThanOrEqual(4);
  });

  it('try again only on SQLITE_BUSY, and never inside a transaction', async () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    let tries = 0;
    await expect(
      whenUnlocked(
        () => {
          tries++;
          throw busy;
        },
        () => true,
      ),
    ).rejects.toBe(busy);
    expect(tries).toBe(1);

    tries = 0;
    const other = Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' });
    await expect(
      whenUnlocked(
        () => {
          tries++;
          throw other;
        },
        () => false,
      ),
    ).rejects.toBe(other);
    expect(tries).toBe(1);

    tries = 0;
    await expect(
      whenUnlocked(
        () => {
          if (++tries < 4) throw busy;
          return 'written';
        },
        () => false,
      ),
    ).resolves.toBe('written');
    expect(tries).toBe(4);
  });
});

describe('opening a new store while another connection holds its file', () => {
  it('waits on a timer for the lock, then switches the file to WAL and migrates it', async () => {
    // A brand-new file in rollback-journal mode, exclusively locked by another connection (another
    // process creating the same store): switching it to WAL needs that lock. Asleep in SQLite's
    // busy handler, this thread could never run the timer that frees it.
    const file = path.join(dir, 'new.db');
    const other = new Database(file);
    other.prepare('begin exclusive').run();
    other.prepare('create table before_us (x)').run();
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const freed = new Promise<void>((resolve) =>
      setTimeout(() => {
        other.prepare('commit').run();
        other.close();
        resolve();
      }, 150),
    );
    try {
      const store = await openStore(`sqlite:${file}`);
      await freed;
      await store.close();
    } finally {
      lag.disable();
      if (other.open) other.close();
    }
    expect(lag.max / 1e6).toBeLessThan(100);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(
        db.prepare("select count(*) as n from sqlite_master where name = 'check_results'").get(),
      ).toEqual({
        n: 1,
      });
    } finally {
      db.close();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import { FakeClock } from '../../src/core/clock.js';
import { WriteBuffer } from '../../src/services/write-buffer.js';
import { openStore } from '../../src/store/store.js';

const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

function result(i: number, message = 'ok'): CheckResult {
  return {
    check: `c${i % 50}`,
    kind: 'http',
    status: 'ok',
    message,
    startedAt: 1_000_000 + i,
    durationMs: 1,
    samples: [{ name: 'up', labels: { check: `c${i % 50}` }, value: 1 }],
  };
}

describe('WriteBuffer when the store refuses writes', () => {
  it('never retries from add(): 10,000 results against a full store cost a handful of writes', async () => {
    const clock = new FakeClock(0);
    let writes = 0;
    const errors: unknown[] = [];
    const b = new WriteBuffer({
      clock,
      write: async () => {
        writes++;
        throw full();
      },
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 10_000; i++) b.add(result(i));
    await b.flush();
    expect(writes).toBeLessThanOrEqual(2);
    expect(errors).toHaveLength(1); // logged once per episode
    expect(b.failure).toMatchObject({ error: expect.stringMatching(/disk is full/), pending: 10_000 });
    // retries come from the backoff timer, further apart up to one every five seconds
    await clock.advance(60_000);
    expect(writes).toBeGreaterThan(2);
    expect(writes).toBeLessThanOrEqual(2 + 3 + 60 / 5);
  });

  it('writes within five seconds of the store coming back, however long it was down', async () => {
    const clock = new FakeClock(0);
    let down = true;
    const stored: CheckResult[] = [];
    const recovered: Array<{ failedForMs: number }> = [];
    const b = new WriteBuffer({
      clock,
      write: async (batch) => {
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        stored.push(...batch);
      },
      onError: () => {},
      onRecovered: (info) => recovered.push(info),
    });
    b.add(result(0));
    await clock.advance(250);
    expect(b.failure).toBeDefined();
    await clock.advance(10.5 * 60_000);
    down = false;
    b.add(result(1)); // a result while failing waits for the retry timer
    await clock.advance(5_000);
    expect(stored).toHaveLength(2);
    expect(b.failure).toBeUndefined();
    expect(recovered).toHaveLength(1);
  });

  it('bounds pending data by bytes, drops the oldest, and says so once', async () => {
    const clock = new FakeClock(0);
    const drops: unknown[] = [];
    const b = new WriteBuffer({
      clock,
      write: async () => {
        throw full();
      },
      onError: () => {},
      onDrop: (info) => drops.push(info),
      maxPendingBytes: 4 * 1024 * 1024,
    });
    const big = 'x'.repeat(100_000); // 200 KB each in memory
    for (let i = 0; i < 200; i++) b.add(result(i, big));
    expect(b.pendingBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(b.dropped).toBeGreaterThan(170);
    expect(b.pending + b.dropped).toBe(200);
    expect(drops).toHaveLength(1);
  });

  it('splits a failing batch, so a little room drains the backlog in pieces', async () => {
    const clock = new FakeClock(0);
    const stored: CheckResult[] = [];
    let room = 0; // results the store has room for, per write
    const recovered: unknown[] = [];
    const b = new WriteBuffer({
      clock,
      write: async (batch) => {
        if (batch.length > room) throw full();
        stored.push(...batch);
      },
      onError: () => {},
      onRecovered: (info) => recovered.push(info),
    });
    for (let i = 0; i < 1000; i++) b.add(result(i));
    await b.flush();
    expect(b.failure).toBeDefined();
    room = 20; // space freed, less than the batch that failed
    await clock.advance(120_000);
    await b.flush(); // the backlog drains in pieces, yielding between them
    expect(stored).toHaveLength(1000);
    expect(stored.map((r) => r.startedAt)).toEqual(Array.from({ length: 1000 }, (_, i) => 1_000_000 + i));
    expect(b.failure).toBeUndefined();
    expect(recovered).toEqual([{ failedForMs: expect.any(Number), droppedResults: 0, droppedSamples: 0 }]);
  });
});

describe('a real SQLite store that is full (max_page_count)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-full-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds results while SQLITE_FULL, then writes them all once there is room', async () => {
    const store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
    try {
      const clock = new FakeClock(0);
      const errors: string[] = [];
      const b = new WriteBuffer({
        clock,
        write: (batch, samples) => store.record(batch, samples),
        onError: (e) => errors.push(String((e as { code?: string }).code ?? e)),
      });
      const pages = Number(
        (await sql<{ page_count: number }>`pragma page_count`.execute(store.db)).rows[0]!.page_count,
      );
      await sql.raw(`pragma max_page_count = ${pages + 2}`).execute(store.db);
      const message = 'a message long enough to fill pages quickly '.repeat(20);
      for (let i = 0; i < 2000; i++) b.add(result(i, message));
      await b.flush();
      expect(errors).toEqual(['SQLITE_FULL']);
      expect(b.failure?.error).toMatch(/full/);

      await sql.raw('pragma max_page_count = 1000000').execute(store.db);
      await clock.advance(120_000);
      await b.flush();
      expect(b.failure).toBeUndefined();
      const rows = await sql<{ n: number }>`select count(*) as n from check_results`.execute(store.db);
      expect(Number(rows.rows[0]!.n)).toBe(2000);
    } finally {
      await store.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../../src/store/backups.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testDatabases } from './databases.js';

const t0 = Date.UTC(2026, 10, 1, 2, 0, 0);
const backup = (id: string, at: number, extra: Partial<BackupRecord> = {}): BackupRecord => ({
  id,
  job: 'orders-db',
  source: 'postgres',
  status: 'ok',
  startedAt: at,
  endedAt: at + 5000,
  size: 123_456_789_012,
  sha256: 'ab'.repeat(32),
  location: `/var/backups/orders-db/${id}`,
  manifest: { id, files: [] },
  error: null,
  ...extra,
});

describe.each(testDatabases)('backup catalogue on $name', (database) => {
  let store: Store;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await database.create();
    drop = db.drop;
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('records runs, lists the good ones newest first, finds by unique prefix', async () => {
    await store.backups.record(backup('aaaa1111', t0));
    await store.backups.record(backup('aaaa2222', t0 + 86_400_000));
    await store.backups.record(
      backup('bbbb3333', t0 + 2 * 86_400_000, {
        status: 'failed',
        size: null,
        sha256: null,
        error: 'pg_dump exited with 1',
      }),
    );
    const listed = await store.backups.list({ job: 'orders-db' });
    expect(listed.map((b) => b.id)).toEqual(['aaaa2222', 'aaaa1111']);
    expect(listed[0]).toMatchObject({
      size: 123_456_789_012,
      startedAt: t0 + 86_400_000,
      manifest: { id: 'aaaa2222' },
    });
    expect((await store.backups.list({ status: ['failed'] }))[0]?.error).toBe('pg_dump exited with 1');
    expect((await store.backups.get('bbbb'))?.id).toBe('bbbb3333');
    expect(await store.backups.get('aaaa')).toBeUndefined(); // ambiguous
    await store.backups.setStatus('aaaa1111', 'pruned');
    expect((await store.backups.list()).map((b) => b.id)).toEqual(['aaaa2222']);
  });

  it('records verifications, newest first', async () => {
    for (const [level, ok, at] of [
      ['checksum', true, t0 + 1000],
      ['restore', false, t0 + 2000],
      ['read', true, t0 + 3000],
    ] as const) {
      await store.backups.addVerification({
        backupId: 'aaaa2222',
        job: 'orders-db',
        level,
        at,
        durationMs: 10,
        ok,
        message: ok ? 'fine' : 'assertion false',
        target: level === 'restore' ? 'postgres://postgres@127.0.0.1:5432/vigil_restore_x' : null,
      });
    }
    const vs = await store.backups.verifications({ backupIds: ['aaaa2222'] });
    expect(vs.map((v) => [v.level, v.ok])).toEqual([
      ['read', true],
      ['restore', false],
      ['checksum', true],
    ]);
    expect(await store.backups.verifications({ backupIds: [] })).toEqual([]);
    expect(await store.backups.verifications({ job: 'other' })).toEqual([]);
  });
});

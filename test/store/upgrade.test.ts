import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionManager } from '../../src/auth/sessions.js';
import { authenticateToken } from '../../src/auth/tokens.js';
import { openStore } from '../../src/store/store.js';

/**
 * Upgrading keeps a team's history: a store written by the release before
 * (commit 998b483, made by test/fixtures/store-998b483.mjs) is migrated in
 * place by this one and every kind of row in it is still there and usable.
 */
const fixture = path.resolve('test/fixtures/store-998b483.db');
const token = 'vigil_a7c0d3749720_z3s2O00ueuhxv4HMBTzCvZNyRjs7EjAZ';
const t0 = Date.UTC(2026, 11, 1, 0, 0, 0);

describe('a store made by the previous release', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-upgrade-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is migrated and keeps its results, samples, users, tokens and silences', async () => {
    const file = path.join(dir, 'vigil.db');
    copyFileSync(fixture, file);
    const store = await openStore(`sqlite:${file}`);
    try {
      const migrations = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        store.db,
      );
      expect(migrations.rows.length).toBeGreaterThanOrEqual(8);

      const api = await store.results.list('api', t0, t0 + 3 * 3_600_000, 1000);
      const db = await store.results.list('orders-db', t0, t0 + 3 * 3_600_000, 1000);
      expect(api.length + db.length).toBe(120);
      expect(db.find((r) => r.startedAt === t0)).toMatchObject({
        status: 'critical',
        message: 'connect ECONNREFUSED',
      });

      const series = await store.queryable.select(
        [{ name: '__name__', type: '=', value: 'http_status' }],
        t0,
        t0 + 3 * 3_600_000,
      );
      expect(series.map((s) => s.labels.code)).toEqual(['200']);
      expect(series.reduce((n, s) => n + s.points.length, 0)).toBe(120);

      expect(
        await sessionManager(store, 60_000).login('olga', 'a password of the old release', t0),
      ).toBeDefined();
      expect(await authenticateToken(store, token, t0)).toMatchObject({ name: 'token:ci', role: 'admin' });
      expect((await store.silences.get('silence-1'))?.comment).toBe('resize planned');
    } finally {
      await store.close();
    }
  });
});

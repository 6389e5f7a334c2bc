import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * The databases every store test runs against: a SQLite file, and a fresh
 * PostgreSQL database on the local server (VIGIL_TEST_POSTGRES, default
 * postgres://postgres@127.0.0.1:5432/test). Outside CI a missing PostgreSQL
 * skips its half with a message; under CI=true it fails.
 */
export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** a new, empty database for one test file */
  create(): Promise<{ url: string; drop(): Promise<void> }>;
}

const adminUrl = process.env.VIGIL_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (e) {
    if (process.env.CI === 'true') {
      throw new Error(
        `PostgreSQL is required under CI=true but ${adminUrl} is unreachable: ${(e as Error).message}`,
      );
    }
    console.warn(`skipping PostgreSQL store tests: ${adminUrl} unreachable (${(e as Error).message})`);
    return false;
  }
}

const sqlite: TestDatabase = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-store-'));
    return {
      url: `sqlite:${path.join(dir, 'vigil.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const postgres: TestDatabase = {
  name: 'postgres',
  async create() {
    const name = `vigil_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async drop() {
        const c = new pg.Client({ connectionString: adminUrl });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  },
};

export const testDatabases: TestDatabase[] = [sqlite, ...((await postgresReachable()) ? [postgres] : [])];

/** Sessions of the client's database waiting on an advisory lock (another node's migration, say). */
export async function advisoryWaiters(observer: pg.Client): Promise<number> {
  const r = await observer.query(
    "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and wait_event = 'advisory' and datname = current_database()",
  );
  return r.rows[0].n as number;
}

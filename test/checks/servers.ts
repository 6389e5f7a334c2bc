import mysql from 'mysql2/promise';
import pg from 'pg';

/**
 * The real database servers the postgres and mariadb checks are tested on.
 * Outside CI a missing server skips its tests with a message; under CI=true
 * it fails, as the store tests do.
 */
export const postgresAdminUrl = process.env.VIGIL_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
export const mariadbAdminUrl = process.env.VIGIL_TEST_MARIADB ?? 'mysql://root@127.0.0.1:3306/test';

async function reachable(name: string, url: string, probe: () => Promise<void>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (e) {
    if (process.env.CI === 'true') {
      throw new Error(`${name} is required under CI=true but ${url} is unreachable: ${(e as Error).message}`);
    }
    console.warn(`skipping ${name} check tests: ${url} unreachable (${(e as Error).message})`);
    return false;
  }
}

export const postgresUp = await reachable('PostgreSQL', postgresAdminUrl, async () => {
  const c = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 2000 });
  await c.connect();
  await c.end();
});

export const mariadbUp = await reachable('MariaDB', mariadbAdminUrl, async () => {
  const c = await mysql.createConnection({ uri: mariadbAdminUrl, connectTimeout: 2000 });
  await c.end();
});

/** A short unique suffix for databases, roles and users one test file creates. */
export const unique = () => `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

/** A fresh PostgreSQL database for one test file, and its URL as the superuser. */
export async function freshPostgres(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `vigil_check_${unique()}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    name,
    url: withPath(postgresAdminUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: postgresAdminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** The same server URL, another database (and optionally another user and password). */
export function withPath(url: string, db: string, user?: string, password?: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  if (user !== undefined) u.username = user;
  if (password !== undefined) u.password = password;
  return u.toString();
}

/** Poll until `ready` holds: each turn awaits a query, so nothing sleeps on a guess. */
export async function until(what: string, ready: () => Promise<boolean>, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await ready()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`gave up waiting for ${what}`);
}

import { PostgresDialect } from 'kysely';
import pg from 'pg';
import type { StoreDialect } from './capabilities.js';

const int8 = 20;
const numeric = 1700;

export function postgresDialect(url: string): StoreDialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5000,
    // Millisecond timestamps are bigint; they fit a JS number exactly until the year 287396.
    // Set per pool rather than on pg.types, which would change every pg user in the process.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === int8 || oid === numeric
          ? Number
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not crash the daemon; the next query reports it.
  pool.on('error', () => {});
  return {
    name: 'postgres',
    kysely: new PostgresDialect({ pool }),
    bigint: 'bigint',
    double: 'double precision',
    greatest: 'greatest',
    clusteredTables: false,
    maxParams: 65_000,
    async close() {},
  };
}

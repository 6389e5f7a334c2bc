import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import { VigilError } from '../../errors.js';
import type { StoreDialect } from './capabilities.js';
import { sqliteBulkWriter } from './sqlite-bulk.js';

export function sqliteDialect(file: string): StoreDialect {
  let db: Database.Database;
  try {
    const dir = path.dirname(path.resolve(file));
    // One level only: Node's recursive mkdir spins forever under /proc (seen on Node 20).
    if (file !== ':memory:' && !existsSync(dir)) mkdirSync(dir);
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
  } catch (e) {
    throw new VigilError(
      'STORE_NOT_WRITABLE',
      `cannot open SQLite database ${file}: ${(e as Error).message}`,
      {
        hint: 'check that the directory exists and is writable, or set storage: in vigil.yaml',
        cause: e,
      },
    );
  }
  let bulk: ReturnType<typeof sqliteBulkWriter> | undefined;
  return {
    name: 'sqlite',
    kysely: new SqliteDialect({ database: db }),
    bigint: 'integer',
    double: 'real',
    greatest: 'max',
    clusteredTables: true,
    maxParams: 32_000,
    bulkRecord(batch, extra) {
      // Prepared after migrations have created the tables, on first use.
      bulk ??= sqliteBulkWriter(db);
      bulk.record(batch, extra);
    },
    async close() {
      // Kysely's destroy closes the handle; this is for a store that never built one.
      if (db.open) db.close();
    },
  };
}

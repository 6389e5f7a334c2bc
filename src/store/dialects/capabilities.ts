import type { Dialect } from 'kysely';

/** What differs between the databases Vigil stores into, in one place per dialect. */
export interface StoreDialect {
  name: 'sqlite' | 'postgres';
  kysely: Dialect;
  /** column type for millisecond timestamps and ids */
  bigint: 'integer' | 'bigint';
  double: 'real' | 'double precision';
  /** the scalar two-argument maximum: max() in SQLite, greatest() in PostgreSQL */
  greatest: 'max' | 'greatest';
  /** tables keyed by their primary key alone (SQLite WITHOUT ROWID) */
  clusteredTables: boolean;
  /** bound parameters per statement, to size multi-row inserts */
  maxParams: number;
  close(): Promise<void>;
}

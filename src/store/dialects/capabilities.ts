import type { Dialect } from 'kysely';
import type { CheckResult } from '../../checks/types.js';
import type { TimedSample } from '../samples.js';

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
  /**
   * each distinct SQL text is prepared once and kept for the life of the connection (SQLite):
   * lists of varying length are cut into a few fixed sizes (see `chunk`)
   */
  keepsStatements: boolean;
  /**
   * A faster way to record a batch than the query builder, where the dialect
   * has one (SQLite: prepared statements in one transaction, on a thread of its own for a file).
   */
  bulkRecord?(batch: readonly CheckResult[], extra: readonly TimedSample[]): void | Promise<void>;
  close(): Promise<void>;
}

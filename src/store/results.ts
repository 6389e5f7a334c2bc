import type { Kysely } from 'kysely';
import { answered, type CheckResult } from '../checks/types.js';
import { chunk } from './chunk.js';
import type { StoreDialect } from './dialects/capabilities.js';
import { deleteOlder } from './prune.js';
import type { Tables } from './tables.js';

export interface StoredResult {
  check: string;
  startedAt: number;
  durationMs: number;
  status: string;
  message: string;
  /** the run reached its target (a busy host is critical but up) */
  up: boolean;
}

export function resultsRepo(db: Kysely<Tables>, d: StoreDialect) {
  const newest = async (check: string, from: number, to: number, limit: number, downOnly: boolean) => {
    const rows = await db
      .selectFrom('check_results')
      .select(['check_name', 'started_at', 'duration_ms', 'status', 'message', 'up'])
      .where('check_name', '=', check)
      .where('started_at', '>=', from)
      .where('started_at', '<=', to)
      .$if(downOnly, (q) => q.where('status', 'not in', ['ok', 'warning']))
      .orderBy('started_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(
      (r): StoredResult => ({
        check: r.check_name,
        startedAt: r.started_at,
        durationMs: r.duration_ms,
        status: r.status,
        message: r.message,
        up: answered({ status: r.status, up: r.up === null ? null : !!r.up }),
      }),
    );
  };
  return {
    async insert(trx: Kysely<Tables>, results: readonly CheckResult[]): Promise<void> {
      const rows = results.map((r) => ({
        check_name: r.check,
        started_at: r.startedAt,
        duration_ms: r.durationMs,
        status: r.status,
        message: r.message,
        up: answered(r) ? 1 : 0,
      }));
      for (const part of chunk(rows, 6, d)) await trx.insertInto('check_results').values(part).execute();
    },

    /** Newest first, within [from, to]. */
    list(check: string, from: number, to: number, limit = 1000): Promise<StoredResult[]> {
      return newest(check, from, to, limit, false);
    },

    /** The newest runs that were down (critical or unknown), within [from, to]: a check's recent failures. */
    failures(check: string, from: number, to: number, limit = 20): Promise<StoredResult[]> {
      return newest(check, from, to, limit, true);
    },

    async prune(before: number): Promise<number> {
      return deleteOlder(db, d, 'check_results', 'started_at', before);
    },
  };
}

import type { Kysely } from 'kysely';
import { answered, type CheckResult } from '../checks/types.js';
import type { Tables } from './tables.js';

export interface CheckState {
  name: string;
  kind: string;
  firstSeen: number;
  last?: { at: number; status: string; message: string; durationMs: number; up: boolean };
}

/** The newest result of each check in a batch. */
export function latestPerCheck(results: readonly CheckResult[]): CheckResult[] {
  const latest = new Map<string, CheckResult>();
  for (const r of results) {
    const prev = latest.get(r.check);
    if (!prev || prev.startedAt <= r.startedAt) latest.set(r.check, r);
  }
  return [...latest.values()];
}

/** The oldest start of each check in a batch: its first sight, when the batch is its first. */
export function earliestPerCheck(results: readonly CheckResult[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const r of results) if (!(first.get(r.check)! <= r.startedAt)) first.set(r.check, r.startedAt);
  return first;
}

/** The latest state of every check, so an overview is one query however many checks there are. */
export function checksRepo(db: Kysely<Tables>) {
  return {
    async upsertLatest(trx: Kysely<Tables>, results: readonly CheckResult[]): Promise<void> {
      const first = earliestPerCheck(results);
      for (const r of latestPerCheck(results)) {
        await trx
          .insertInto('checks')
          .values({
            name: r.check,
            kind: r.kind,
            first_seen: first.get(r.check)!,
            last_at: r.startedAt,
            last_status: r.status,
            last_message: r.message,
            last_duration_ms: r.durationMs,
            last_up: answered(r) ? 1 : 0,
          })
          .onConflict((oc) =>
            oc.column('name').doUpdateSet((eb) => ({
              kind: eb.ref('excluded.kind'),
              last_at: eb.ref('excluded.last_at'),
              last_status: eb.ref('excluded.last_status'),
              last_message: eb.ref('excluded.last_message'),
              last_duration_ms: eb.ref('excluded.last_duration_ms'),
              last_up: eb.ref('excluded.last_up'),
            })),
          )
          .execute();
      }
    },

    /** When the check first ran here: how much history its long windows hold. */
    async firstSeen(name: string): Promise<number | undefined> {
      const row = await db
        .selectFrom('checks')
        .select('first_seen')
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? Number(row.first_seen) : undefined;
    },

    async all(): Promise<CheckState[]> {
      const rows = await db.selectFrom('checks').selectAll().orderBy('name').execute();
      return rows.map((r) => ({
        name: r.name,
        kind: r.kind,
        firstSeen: r.first_seen,
        last:
          r.last_at === null
            ? undefined
            : {
                at: r.last_at,
                status: r.last_status ?? 'unknown',
                message: r.last_message ?? '',
                durationMs: r.last_duration_ms ?? 0,
                up: answered({
                  status: r.last_status ?? 'unknown',
                  up: r.last_up === null ? null : !!r.last_up,
                }),
              },
      }));
    },
  };
}

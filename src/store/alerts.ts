import type { Kysely } from 'kysely';
import { alertFingerprint } from './alert-fingerprint.js';
import { chunk } from './chunk.js';
import type { StoreDialect } from './dialects/capabilities.js';
import { deleteOlder } from './prune.js';
import type { Tables } from './tables.js';

export interface StoredTransition {
  at: number;
  rule: string;
  group: string;
  fingerprint: string;
  labels: Record<string, string>;
  from: string;
  to: string;
  value: number | null;
  reason: string;
}

export function alertsRepo(db: Kysely<Tables>, d: StoreDialect) {
  return {
    async insertTransitions(list: readonly StoredTransition[]): Promise<void> {
      const rows = list.map((t) => ({
        at: t.at,
        rule: t.rule,
        group_name: t.group,
        // The rule engine's fingerprint is its label-set key, with NUL separators that PostgreSQL's
        // text refuses (every transition was lost there): stored as the hash notifications use.
        fingerprint: alertFingerprint(t.labels),
        labels: JSON.stringify(t.labels),
        from_state: t.from,
        to_state: t.to,
        value: t.value !== null && Number.isFinite(t.value) ? t.value : null,
        reason: t.reason,
      }));
      for (const part of chunk(rows, 9, d)) await db.insertInto('alert_transitions').values(part).execute();
    },

    /** Newest first. */
    async history(opts: {
      from: number;
      to: number;
      rule?: string;
      /** the state it moved to: firing, pending, resolved, inactive */
      state?: string;
      limit?: number;
    }): Promise<StoredTransition[]> {
      let q = db
        .selectFrom('alert_transitions')
        .selectAll()
        .where('at', '>=', opts.from)
        .where('at', '<=', opts.to)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit ?? 1000);
      if (opts.rule) q = q.where('rule', '=', opts.rule);
      if (opts.state) q = q.where('to_state', '=', opts.state);
      const rows = await q.execute();
      return rows.map((r) => ({
        at: Number(r.at),
        rule: r.rule,
        group: r.group_name,
        fingerprint: r.fingerprint,
        labels: JSON.parse(r.labels) as Record<string, string>,
        from: r.from_state,
        to: r.to_state,
        value: r.value,
        reason: r.reason,
      }));
    },

    async prune(before: number): Promise<number> {
      return deleteOlder(db, d, 'alert_transitions', 'at', before);
    },
  };
}

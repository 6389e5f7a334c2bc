import type { Kysely } from 'kysely';
import { alertFingerprint } from '../alert-fingerprint.js';
import type { StoreDialect } from '../dialects/capabilities.js';

/**
 * Alert transitions are stored under the printable fingerprint notifications use, not the rule
 * engine's label-set key with NUL separators (which PostgreSQL refused, so only SQLite stores have
 * such rows). Rows written before are rewritten from their labels, so a firing recorded before
 * the upgrade and its resolution after it still pair up (the change gate and the reports read
 * the latest transition per fingerprint).
 */
export async function up(db: Kysely<any>, _d: StoreDialect): Promise<void> {
  for (let after = -1; ; ) {
    const rows: { id: number | string; labels: string; fingerprint: string }[] = await db
      .selectFrom('alert_transitions')
      .select(['id', 'labels', 'fingerprint'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000)
      .execute();
    if (!rows.length) return;
    for (const r of rows) {
      let fp: string;
      try {
        fp = alertFingerprint(JSON.parse(r.labels) as Record<string, string>);
      } catch {
        continue; // labels that are not JSON were never written by Vigil: left as they are
      }
      if (fp !== r.fingerprint)
        await db.updateTable('alert_transitions').set({ fingerprint: fp }).where('id', '=', r.id).execute();
    }
    after = Number(rows[rows.length - 1]!.id);
  }
}

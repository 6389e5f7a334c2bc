import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

/**
 * Small JSON values that must survive a restart, by owner and key: a log
 * check's offsets (owner `check:<name>`), a rotation's last run (owner
 * `rotate`). A value that no longer parses reads as absent, so a corrupt row
 * costs a fresh start, not a crash.
 */
export function checkStateRepo(db: Kysely<Tables>, now: () => number = Date.now) {
  return {
    async get(owner: string, key = ''): Promise<unknown> {
      const row = await db
        .selectFrom('check_state')
        .select('value')
        .where('owner', '=', owner)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) return undefined;
      try {
        return JSON.parse(row.value);
      } catch {
        return undefined;
      }
    },

    async set(owner: string, key: string, value: unknown): Promise<void> {
      const text = JSON.stringify(value);
      await db
        .insertInto('check_state')
        .values({ owner, key, value: text, updated_at: now() })
        .onConflict((oc) =>
          oc.columns(['owner', 'key']).doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    },

    async delete(owner: string, key?: string): Promise<void> {
      let q = db.deleteFrom('check_state').where('owner', '=', owner);
      if (key !== undefined) q = q.where('key', '=', key);
      await q.execute();
    },
  };
}

export type CheckStateRepo = ReturnType<typeof checkStateRepo>;

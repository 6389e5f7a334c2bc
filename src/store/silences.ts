import type { Kysely } from 'kysely';
import type { Matcher } from '../metrics/types.js';
import type { Tables } from './tables.js';

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  updatedAt: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(s: Silence, now: number): SilenceState {
  if (now >= s.endsAt) return 'expired';
  return now < s.startsAt ? 'pending' : 'active';
}

export function silencesRepo(db: Kysely<Tables>) {
  const toSilence = (r: Tables['silences']): Silence => ({
    id: r.id,
    matchers: JSON.parse(r.matchers) as Matcher[],
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    createdBy: r.created_by,
    comment: r.comment,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  });
  return {
    async add(s: Silence): Promise<void> {
      await db
        .insertInto('silences')
        .values({
          id: s.id,
          matchers: JSON.stringify(s.matchers),
          starts_at: s.startsAt,
          ends_at: s.endsAt,
          created_by: s.createdBy,
          comment: s.comment,
          created_at: s.createdAt,
          updated_at: s.updatedAt,
        })
        .execute();
    },

    /** Silences not yet ended by `now` (or all, with `includeExpired`), newest first. */
    async list(now: number, opts: { includeExpired?: boolean } = {}): Promise<Silence[]> {
      let q = db.selectFrom('silences').selectAll().orderBy('created_at', 'desc').orderBy('id');
      if (!opts.includeExpired) q = q.where('ends_at', '>', now);
      return (await q.execute()).map(toSilence);
    },

    async get(id: string): Promise<Silence | undefined> {
      const r = await db.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toSilence(r);
    },

    /** Ends a silence now; false when there is no such silence or it had already ended. */
    async expire(id: string, now: number): Promise<boolean> {
      const r = await db
        .updateTable('silences')
        .set({ ends_at: now, updated_at: now })
        .where('id', '=', id)
        .where('ends_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async prune(before: number): Promise<number> {
      const r = await db.deleteFrom('silences').where('ends_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type SilencesRepo = ReturnType<typeof silencesRepo>;

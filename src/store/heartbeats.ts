import type { Kysely } from 'kysely';
import type { HeartbeatPing, HeartbeatReader } from '../checks/types.js';
import type { Tables } from './tables.js';

export function heartbeatsRepo(db: Kysely<Tables>): HeartbeatReader & {
  record(check: string, ping: HeartbeatPing): Promise<void>;
  prune(before: number): Promise<number>;
} {
  return {
    async record(check, ping) {
      await db
        .insertInto('heartbeats')
        .values({ check_name: check, at: ping.at, type: ping.type, message: ping.message ?? null })
        .execute();
    },

    async last(check) {
      const rows = await db
        .selectFrom('heartbeats')
        .select(['at', 'type', 'message'])
        .where('check_name', '=', check)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .execute();
      const start = await db
        .selectFrom('heartbeats')
        .select(['at', 'type', 'message'])
        .where('check_name', '=', check)
        .where('type', '=', 'start')
        .orderBy('at', 'desc')
        .limit(1)
        .execute();
      const toPing = (r: { at: number; type: string; message: string | null }): HeartbeatPing => ({
        at: Number(r.at),
        type: r.type as HeartbeatPing['type'],
        message: r.message ?? undefined,
      });
      if (!rows[0]) return undefined;
      return { ping: toPing(rows[0]), lastStart: start[0] ? toPing(start[0]) : undefined };
    },

    async prune(before) {
      const r = await db.deleteFrom('heartbeats').where('at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

import type { Kysely } from 'kysely';
import { chunk } from './chunk.js';
import type { StoreDialect } from './dialects/capabilities.js';
import { deleteOlder } from './prune.js';
import type { Tables } from './tables.js';

/** One location's result of one check, as stored. */
export interface LocationResult {
  check: string;
  location: string;
  startedAt: number;
  durationMs: number;
  status: string;
  message: string;
}

/** A probe agent as the server last heard from it. */
export interface ProbeAgent {
  id: string;
  location: string;
  tokenName: string;
  version: string;
  hostname: string;
  firstSeenAt: number;
  lastContactAt: number;
  lastResultAt: number | null;
  lagMs: number | null;
  buffered: number;
  lastSeq: number;
}

export interface AgentContact {
  id: string;
  location: string;
  tokenName: string;
  version: string;
  hostname: string;
}

const num = (v: number | string | null) => (v === null ? null : Number(v));

/** Probe agents, each location's results and its latest state per check. */
export function probesRepo(db: Kysely<Tables>, d: StoreDialect) {
  const insertResults = async (trx: Kysely<Tables>, rows: readonly LocationResult[]) => {
    if (!rows.length) return;
    const values = rows.map((r) => ({
      check_name: r.check,
      location: r.location,
      started_at: r.startedAt,
      duration_ms: r.durationMs,
      status: r.status,
      message: r.message,
    }));
    for (const part of chunk(values, 6, d)) await trx.insertInto('location_results').values(part).execute();
    // The newest per check and location; an older result arriving late (a probe's backlog) never
    // overwrites a newer one.
    const newest = new Map<string, LocationResult>();
    for (const r of rows) {
      const key = `${r.check}\u0000${r.location}`;
      const prev = newest.get(key);
      if (!prev || prev.startedAt <= r.startedAt) newest.set(key, r);
    }
    for (const r of newest.values()) {
      await trx
        .insertInto('check_locations')
        .values({
          check_name: r.check,
          location: r.location,
          last_at: r.startedAt,
          last_status: r.status,
          last_message: r.message,
          last_duration_ms: r.durationMs,
        })
        .onConflict((oc) =>
          oc
            .columns(['check_name', 'location'])
            .doUpdateSet((eb) => ({
              last_at: eb.ref('excluded.last_at'),
              last_status: eb.ref('excluded.last_status'),
              last_message: eb.ref('excluded.last_message'),
              last_duration_ms: eb.ref('excluded.last_duration_ms'),
            }))
            .where('check_locations.last_at', '<=', r.startedAt),
        )
        .execute();
    }
  };

  const upsertAgent = async (trx: Kysely<Tables>, a: AgentContact, now: number) => {
    await trx
      .insertInto('probe_agents')
      .values({
        id: a.id,
        location: a.location,
        token_name: a.tokenName,
        version: a.version,
        hostname: a.hostname,
        first_seen_at: now,
        last_contact_at: now,
        last_result_at: null,
        lag_ms: null,
        buffered: 0,
        last_seq: 0,
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          location: a.location,
          token_name: a.tokenName,
          version: a.version,
          hostname: a.hostname,
          last_contact_at: now,
        }),
      )
      .execute();
  };

  return {
    /** Results of the server's own location: no agent, no numbering. */
    async record(rows: readonly LocationResult[]): Promise<void> {
      await db.transaction().execute((trx) => insertResults(trx, rows));
    },

    /** An agent asked for its checks: it is alive. */
    async contact(a: AgentContact, now: number): Promise<void> {
      await upsertAgent(db, a, now);
    },

    /**
     * A batch from an agent, in one transaction: results numbered at or below
     * the agent's last stored number were stored before (an answer lost on the
     * way back) and are skipped, so a batch sent twice is stored once. `maxSeq`
     * is the batch's highest number, refused results included.
     */
    async push(
      a: AgentContact,
      batch: readonly (LocationResult & { seq: number })[],
      info: { now: number; buffered: number; maxSeq: number },
    ): Promise<{ stored: (LocationResult & { seq: number })[]; duplicates: number; lastSeq: number }> {
      return db.transaction().execute(async (trx) => {
        await upsertAgent(trx, a, info.now);
        const row = await trx
          .selectFrom('probe_agents')
          .select(['last_seq', 'last_result_at'])
          .where('id', '=', a.id)
          .executeTakeFirstOrThrow();
        const lastSeq = Number(row.last_seq);
        const fresh = batch.filter((r) => r.seq > lastSeq);
        await insertResults(trx, fresh);
        const newSeq = Math.max(lastSeq, info.maxSeq);
        const oldest = fresh.length ? Math.min(...fresh.map((r) => r.startedAt)) : undefined;
        const newest = fresh.length ? Math.max(...fresh.map((r) => r.startedAt)) : undefined;
        await trx
          .updateTable('probe_agents')
          .set({
            last_seq: newSeq,
            buffered: info.buffered,
            ...(newest === undefined
              ? {}
              : {
                  last_result_at: Math.max(newest, num(row.last_result_at) ?? 0),
                  lag_ms: Math.max(0, info.now - oldest!),
                }),
          })
          .where('id', '=', a.id)
          .execute();
        return { stored: fresh, duplicates: batch.length - fresh.length, lastSeq: newSeq };
      });
    },

    /** Each location's newest result of a check. */
    async latest(check: string): Promise<LocationResult[]> {
      const rows = await db
        .selectFrom('check_locations')
        .selectAll()
        .where('check_name', '=', check)
        .execute();
      return rows.map((r) => ({
        check: r.check_name,
        location: r.location,
        startedAt: Number(r.last_at),
        durationMs: Number(r.last_duration_ms),
        status: r.last_status,
        message: r.last_message,
      }));
    },

    /** A location's results of a check within [from, to], newest first. */
    async history(
      check: string,
      location: string,
      from: number,
      to: number,
      limit = 1000,
    ): Promise<LocationResult[]> {
      const rows = await db
        .selectFrom('location_results')
        .selectAll()
        .where('check_name', '=', check)
        .where('location', '=', location)
        .where('started_at', '>=', from)
        .where('started_at', '<=', to)
        .orderBy('started_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        check: r.check_name,
        location: r.location,
        startedAt: Number(r.started_at),
        durationMs: Number(r.duration_ms),
        status: r.status,
        message: r.message,
      }));
    },

    async agents(): Promise<ProbeAgent[]> {
      const rows = await db
        .selectFrom('probe_agents')
        .selectAll()
        .orderBy('location')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        location: r.location,
        tokenName: r.token_name,
        version: r.version,
        hostname: r.hostname,
        firstSeenAt: Number(r.first_seen_at),
        lastContactAt: Number(r.last_contact_at),
        lastResultAt: num(r.last_result_at),
        lagMs: num(r.lag_ms),
        buffered: Number(r.buffered),
        lastSeq: Number(r.last_seq),
      }));
    },

    async prune(before: number): Promise<number> {
      return deleteOlder(db, d, 'location_results', 'started_at', before);
    },
  };
}

export type ProbesRepo = ReturnType<typeof probesRepo>;

import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { NotifyAlert, OutboxPayload } from '../notify/types.js';
import { chunk } from './chunk.js';
import type { StoreDialect } from './dialects/capabilities.js';
import type { Tables } from './tables.js';

export type NotificationStatus = 'pending' | 'delivered' | 'dead';

export interface OutboxRow {
  id: string;
  idempotencyKey: string;
  channel: string;
  provider: string;
  groupKey: string;
  event: 'firing' | 'resolved';
  status: NotificationStatus;
  payload: OutboxPayload;
  alerts: number;
  incidents: number[];
  createdAt: number;
  nextAttemptAt: number;
  attempts: number;
  lastError: string | null;
  finishedAt: number | null;
  /** until when the node that claimed it may send it */
  claimedUntil: number | null;
  /** claims taken: more than attempts + 1 means a claimer died or froze mid-send */
  claims: number;
  /** the node that wrote it (in a cluster, the holder of the alerting lease then) */
  createdBy?: string | null;
}

export interface AttemptRow {
  at: number;
  durationMs: number;
  result: 'ok' | 'retry' | 'dead';
  statusCode: number | null;
  error: string | null;
  /** the node that made it (in a cluster) */
  node?: string | null;
}

export interface LogEntry {
  receiver: string;
  groupKey: string;
  firing: string[];
  resolved: string[];
  sentAt: number;
}

/** What one group flush changes, written in one transaction so a crash keeps all of it or none. */
export interface FlushWrite {
  /** the alerts the group holds now (upserted, so a restart finds them) */
  alerts: NotifyAlert[];
  /** alerts no group holds any more */
  forget: string[];
  log: LogEntry;
  /** absent when nothing goes on the wire (only resolved alerts and send_resolved off) */
  notification?: Omit<
    OutboxRow,
    'status' | 'attempts' | 'lastError' | 'finishedAt' | 'claimedUntil' | 'claims'
  >;
}

export function notificationsRepo(db: Kysely<Tables>, d: StoreDialect) {
  const toRow = (r: Selectable<Tables['notifications']>): OutboxRow => ({
    id: r.id,
    idempotencyKey: r.idempotency_key,
    channel: r.channel,
    provider: r.provider,
    groupKey: r.group_key,
    event: r.event as OutboxRow['event'],
    status: r.status as NotificationStatus,
    payload: JSON.parse(r.payload) as OutboxPayload,
    alerts: r.alerts,
    incidents: JSON.parse(r.incidents) as number[],
    createdAt: Number(r.created_at),
    nextAttemptAt: Number(r.next_attempt_at),
    attempts: r.attempts,
    lastError: r.last_error,
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    claimedUntil: r.claimed_until === null ? null : Number(r.claimed_until),
    claims: Number(r.claims),
    createdBy: r.created_by,
  });

  /**
   * Group flushes and delivery outcomes are many small writes that arrive
   * together (a burst of alerts, a receiver coming back). They are queued and
   * committed together, one transaction per batch, and within it the rows of
   * every write of a kind go in one multi-row statement (on PostgreSQL each
   * statement is a round trip); each caller's promise settles with its batch,
   * so "written" still means committed. A batch that fails is retried write by
   * write, so one bad write does not fail the others.
   */
  type Write = { kind: 'flush'; w: FlushWrite } | { kind: 'attempt'; a: AttemptWrite };
  const queue: Array<{ write: Write; done: (e?: unknown) => void }> = [];
  let writing = false;
  const commit = (writes: readonly Write[]) =>
    db.transaction().execute(async (trx) => {
      const flushes = writes.flatMap((x) => (x.kind === 'flush' ? [x.w] : []));
      const attempts = writes.flatMap((x) => (x.kind === 'attempt' ? [x.a] : []));
      if (flushes.length) await writeFlushes(trx, flushes);
      if (attempts.length) await writeAttempts(trx, attempts);
    });
  const drain = async () => {
    writing = true;
    while (queue.length) {
      const batch = queue.splice(0, 500);
      try {
        await commit(batch.map((x) => x.write));
        for (const x of batch) x.done();
      } catch (e) {
        if (batch.length === 1) {
          batch[0]!.done(e);
          continue;
        }
        for (const x of batch) {
          try {
            await commit([x.write]);
            x.done();
          } catch (err) {
            x.done(err);
          }
        }
      }
    }
    writing = false;
  };
  const write = (w: Write) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ write: w, done: (e) => (e === undefined ? resolve() : reject(e)) });
      // Started after this turn of the event loop: the outcomes and flushes that arrive together
      // (one socket read can end many sends) go into one transaction, not one each.
      if (!writing) {
        writing = true;
        setImmediate(() => void drain());
      }
    });

  /**
   * Several flushes as one: the alerts' last state in write order (an upsert or a forget), the
   * newest log entry per group, every new notification.
   */
  const writeFlushes = async (trx: Transaction<Tables>, flushes: readonly FlushWrite[]) => {
    const alerts = new Map<string, NotifyAlert | undefined>();
    const log = new Map<string, LogEntry>();
    for (const w of flushes) {
      for (const a of w.alerts) alerts.set(a.fingerprint, a);
      for (const f of w.forget) alerts.set(f, undefined);
      log.set(`${w.log.receiver}\u0000${w.log.groupKey}`, w.log);
    }
    const upserts = [...alerts.values()].filter((a) => a !== undefined);
    const forgotten = [...alerts].flatMap(([fp, a]) => (a === undefined ? [fp] : []));
    if (upserts.length) await upsertAlerts(trx, upserts);
    for (const part of chunk(forgotten, 1, d))
      await trx.deleteFrom('notify_alerts').where('fingerprint', 'in', part).execute();
    const logRows = [...log.values()].map((l) => ({
      receiver: l.receiver,
      group_key: l.groupKey,
      firing: JSON.stringify(l.firing),
      resolved: JSON.stringify(l.resolved),
      sent_at: l.sentAt,
    }));
    for (const part of chunk(logRows, 5, d))
      await trx
        .insertInto('notify_log')
        .values(part)
        .onConflict((oc) =>
          oc.columns(['receiver', 'group_key']).doUpdateSet((eb) => ({
            firing: eb.ref('excluded.firing'),
            resolved: eb.ref('excluded.resolved'),
            sent_at: eb.ref('excluded.sent_at'),
          })),
        )
        .execute();
    const notifications = flushes.flatMap((w) => (w.notification ? [notificationRow(w.notification)] : []));
    for (const part of chunk(notifications, 16, d))
      await trx.insertInto('notifications').values(part).execute();
  };

  /**
   * Outcomes of many deliveries: one multi-row insert into the delivery log and one update of the
   * notifications from a VALUES list. Each row changes only while its node still holds the claim.
   */
  const writeAttempts = async (trx: Transaction<Tables>, list: readonly AttemptWrite[]) => {
    const rows = list.map(({ id, attempt, node }) => ({
      notification_id: id,
      at: attempt.at,
      duration_ms: attempt.durationMs,
      result: attempt.result,
      status_code: attempt.statusCode,
      error: attempt.error,
      node: node ?? null,
    }));
    for (const part of chunk(rows, 7, d))
      await trx.insertInto('notification_attempts').values(part).execute();
    const big = sql.raw(d.bigint);
    for (const part of chunk(list, 6, d)) {
      const values = part.map(
        ({ id, attempt, next, node }) =>
          sql`(${id}, ${next.status}, cast(${next.nextAttemptAt ?? null} as ${big}), cast(${next.status !== 'pending' ? attempt.at : null} as ${big}), ${attempt.error}, ${node ?? null})`,
      );
      // VALUES columns are column1… on both databases; a null keeps the column as it is.
      await sql`update notifications set
          status = v.column2,
          attempts = attempts + 1,
          last_error = v.column5,
          next_attempt_at = coalesce(v.column3, notifications.next_attempt_at),
          finished_at = coalesce(v.column4, notifications.finished_at),
          claimed_by = null,
          claimed_until = null
        from (values ${sql.join(values)}) as v
        where notifications.id = v.column1 and (v.column6 is null or notifications.claimed_by = v.column6)`.execute(
        trx,
      );
    }
  };

  const upsertAlerts = async (trx: Transaction<Tables>, alerts: NotifyAlert[]) => {
    const rows = alerts.map((a) => ({
      fingerprint: a.fingerprint,
      rule_group: a.ruleGroup,
      labels: JSON.stringify(a.labels),
      annotations: JSON.stringify(a.annotations),
      starts_at: a.startsAt,
      ends_at: a.endsAt ?? null,
    }));
    for (const part of chunk(rows, 6, d))
      await trx
        .insertInto('notify_alerts')
        .values(part)
        .onConflict((oc) =>
          oc.column('fingerprint').doUpdateSet((eb) => ({
            labels: eb.ref('excluded.labels'),
            annotations: eb.ref('excluded.annotations'),
            starts_at: eb.ref('excluded.starts_at'),
            ends_at: eb.ref('excluded.ends_at'),
            rule_group: eb.ref('excluded.rule_group'),
          })),
        )
        .execute();
  };

  return {
    flush(w: FlushWrite): Promise<void> {
      return write({ kind: 'flush', w });
    },

    /**
     * A notification that is not a group flush (an announcement). Queued once per
     * idempotency key: asking again with the same key changes nothing. Resolves to
     * whether it was new.
     */
    async enqueue(n: NewNotification): Promise<boolean> {
      const r = await insertNotification(db, n, true);
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /** An alert resolved: remembered at once, so a restart before the group flushes still sends it. */
    async resolveAlert(fingerprint: string, endsAt: number): Promise<void> {
      await db
        .updateTable('notify_alerts')
        .set({ ends_at: endsAt })
        .where('fingerprint', '=', fingerprint)
        .execute();
    },

    /** Alerts no aggregation group holds any more. */
    async forget(fingerprints: readonly string[]): Promise<void> {
      for (const part of chunk(fingerprints, 1, d))
        await db.deleteFrom('notify_alerts').where('fingerprint', 'in', part).execute();
    },

    async alerts(): Promise<NotifyAlert[]> {
      const rows = await db.selectFrom('notify_alerts').selectAll().execute();
      return rows.map((r) => ({
        fingerprint: r.fingerprint,
        ruleGroup: r.rule_group,
        labels: JSON.parse(r.labels) as Record<string, string>,
        annotations: JSON.parse(r.annotations) as Record<string, string>,
        startsAt: Number(r.starts_at),
        ...(r.ends_at === null ? {} : { endsAt: Number(r.ends_at) }),
      }));
    },

    async log(): Promise<LogEntry[]> {
      const rows = await db.selectFrom('notify_log').selectAll().execute();
      return rows.map((r) => ({
        receiver: r.receiver,
        groupKey: r.group_key,
        firing: JSON.parse(r.firing) as string[],
        resolved: JSON.parse(r.resolved) as string[],
        sentAt: Number(r.sent_at),
      }));
    },

    /**
     * Claims pending notifications due by `now`, oldest first, for `node` until
     * `now + claimMs`: no other node (or worker) takes them meanwhile. Rows locked
     * by another node's claim are skipped, not waited for (PostgreSQL's SKIP
     * LOCKED; SQLite has one writer). A claim that expired without an outcome
     * (its node died or froze) is taken again: that notification is sent again
     * with the same idempotency key.
     */
    async claim(node: string, now: number, limit: number, claimMs: number): Promise<OutboxRow[]> {
      const rows = await db
        .updateTable('notifications')
        .set((eb) => ({ claimed_by: node, claimed_until: now + claimMs, claims: eb('claims', '+', 1) }))
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('notifications')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .where((w) => w.or([w('claimed_until', 'is', null), w('claimed_until', '<=', now)]))
            .orderBy('next_attempt_at')
            .orderBy('created_at')
            .limit(limit)
            .$if(d.name === 'postgres', (q) => q.forUpdate().skipLocked()),
        )
        .returningAll()
        .execute();
      return rows.map(toRow).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt);
    },

    /**
     * Extends `node`'s claim on one notification to `now + claimMs`, only if nobody claimed it
     * since (the claim count is unchanged) and it is still pending: a claim that came back too
     * old to send inside (a slow store, a paused process) is renewed rather than left to expire.
     * Undefined when it passed to another claimer or was settled meanwhile.
     */
    async renewClaim(
      row: Pick<OutboxRow, 'id' | 'claims'>,
      node: string,
      now: number,
      claimMs: number,
    ): Promise<OutboxRow | undefined> {
      const r = await db
        .updateTable('notifications')
        .set({ claimed_until: now + claimMs })
        .where('id', '=', row.id)
        .where('claimed_by', '=', node)
        .where('claims', '=', row.claims)
        .where('status', '=', 'pending')
        .returningAll()
        .executeTakeFirst();
      return r && toRow(r);
    },

    /**
     * Gives back `node`'s claims on notifications it claimed but did not send (it is stopping):
     * each as if that claim had not been taken, only if nobody claimed it since.
     */
    async release(rows: readonly Pick<OutboxRow, 'id' | 'claims'>[], node: string): Promise<void> {
      for (const row of rows)
        await db
          .updateTable('notifications')
          .set((eb) => ({ claimed_by: null, claimed_until: null, claims: eb('claims', '-', 1) }))
          .where('id', '=', row.id)
          .where('claimed_by', '=', node)
          .where('claims', '=', row.claims)
          .where('status', '=', 'pending')
          .execute();
    },

    async nextDue(): Promise<number | undefined> {
      const r = await db
        .selectFrom('notifications')
        .select((eb) => eb.fn.min(eb.fn.coalesce('claimed_until', 'next_attempt_at')).as('at'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return r?.at === null || r?.at === undefined ? undefined : Number(r.at);
    },

    /**
     * Records one attempt and, when `node` still holds the claim, the
     * notification's new state, together. An outcome that arrives after the
     * claim passed to another node is kept as an attempt only: the new claimer
     * decides the state.
     */
    attempted(
      id: string,
      attempt: AttemptRow,
      next: { status: NotificationStatus; nextAttemptAt?: number },
      node?: string,
    ): Promise<void> {
      return write({ kind: 'attempt', a: { id, attempt, next, ...(node !== undefined ? { node } : {}) } });
    },

    async queue(): Promise<{ depth: number; oldest?: number }> {
      const r = await db
        .selectFrom('notifications')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return {
        depth: Number(r?.n ?? 0),
        ...(r?.oldest === null || r?.oldest === undefined ? {} : { oldest: Number(r.oldest) }),
      };
    },

    /** Newest first. */
    async list(
      opts: { status?: NotificationStatus; channel?: string; limit?: number } = {},
    ): Promise<OutboxRow[]> {
      let q = db
        .selectFrom('notifications')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(opts.limit ?? 100);
      if (opts.status) q = q.where('status', '=', opts.status);
      if (opts.channel) q = q.where('channel', '=', opts.channel);
      return (await q.execute()).map(toRow);
    },

    async get(id: string): Promise<(OutboxRow & { log: AttemptRow[] }) | undefined> {
      const r = await db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) return undefined;
      const attempts = await db
        .selectFrom('notification_attempts')
        .selectAll()
        .where('notification_id', '=', id)
        .orderBy('at')
        .orderBy('id')
        .execute();
      return {
        ...toRow(r),
        log: attempts.map((a) => ({
          at: Number(a.at),
          durationMs: a.duration_ms,
          result: a.result as AttemptRow['result'],
          statusCode: a.status_code,
          error: a.error,
          node: a.node,
        })),
      };
    },

    async prune(before: number): Promise<number> {
      const old = await db
        .selectFrom('notifications')
        .select('id')
        .where('status', '!=', 'pending')
        .where('created_at', '<', before)
        .execute();
      for (const part of chunk(
        old.map((r) => r.id),
        1,
        d,
      )) {
        await db.deleteFrom('notification_attempts').where('notification_id', 'in', part).execute();
        await db.deleteFrom('notifications').where('id', 'in', part).execute();
      }
      // Notification-log entries of groups that have not sent since: as Alertmanager's nflog
      // retention, a group still firing after this long is simply notified again.
      await db.deleteFrom('notify_log').where('sent_at', '<', before).execute();
      return old.length;
    },
  };
}

export type NotificationsRepo = ReturnType<typeof notificationsRepo>;

type NewNotification = NonNullable<FlushWrite['notification']>;

function notificationRow(n: NewNotification) {
  return {
    id: n.id,
    idempotency_key: n.idempotencyKey,
    channel: n.channel,
    provider: n.provider,
    group_key: n.groupKey,
    event: n.event,
    status: 'pending',
    payload: JSON.stringify(n.payload),
    alerts: n.alerts,
    incidents: JSON.stringify(n.incidents),
    created_at: n.createdAt,
    next_attempt_at: n.nextAttemptAt,
    attempts: 0,
    last_error: null,
    finished_at: null,
    created_by: n.createdBy ?? null,
  };
}

function insertNotification(db: Kysely<Tables>, n: NewNotification, onceOnly = false) {
  return db
    .insertInto('notifications')
    .values(notificationRow(n))
    .$if(onceOnly, (q) => q.onConflict((oc) => oc.column('idempotency_key').doNothing()))
    .executeTakeFirstOrThrow();
}

/** One delivery outcome waiting in the write queue. */
interface AttemptWrite {
  id: string;
  attempt: AttemptRow;
  next: { status: NotificationStatus; nextAttemptAt?: number };
  node?: string;
}

import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

export interface BackupRecord {
  id: string;
  job: string;
  source: string;
  status: 'ok' | 'failed' | 'pruned';
  startedAt: number;
  endedAt: number;
  size: number | null;
  sha256: string | null;
  location: string | null;
  manifest: unknown;
  error: string | null;
}

export interface VerificationRecord {
  backupId: string;
  job: string;
  level: string;
  at: number;
  durationMs: number;
  ok: boolean;
  message: string;
  target: string | null;
}

/** The backup catalogue: runs and verifications, newest first. */
export function backupsRepo(db: Kysely<Tables>) {
  const toRecord = (r: Tables['backups']): BackupRecord => ({
    id: r.id,
    job: r.job,
    source: r.source,
    status: r.status as BackupRecord['status'],
    startedAt: Number(r.started_at),
    endedAt: Number(r.ended_at),
    size: r.size === null ? null : Number(r.size),
    sha256: r.sha256,
    location: r.location,
    manifest: r.manifest ? JSON.parse(r.manifest) : null,
    error: r.error,
  });
  const toVerification = (r: Omit<Tables['backup_verifications'], 'id'>): VerificationRecord => ({
    backupId: r.backup_id,
    job: r.job,
    level: r.level,
    at: Number(r.at),
    durationMs: Number(r.duration_ms),
    ok: Number(r.ok) === 1,
    message: r.message,
    target: r.target,
  });
  return {
    async record(b: BackupRecord): Promise<void> {
      const row = {
        id: b.id,
        job: b.job,
        source: b.source,
        status: b.status,
        started_at: b.startedAt,
        ended_at: b.endedAt,
        size: b.size,
        sha256: b.sha256,
        location: b.location,
        manifest: b.manifest === null ? null : JSON.stringify(b.manifest),
        error: b.error,
      };
      await db
        .insertInto('backups')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
    },

    async setStatus(id: string, status: BackupRecord['status']): Promise<void> {
      await db.updateTable('backups').set({ status }).where('id', '=', id).execute();
    },

    /** runs, newest first; by default only the backups that exist (status ok) */
    async list(
      opts: { job?: string; status?: BackupRecord['status'][]; limit?: number } = {},
    ): Promise<BackupRecord[]> {
      let q = db.selectFrom('backups').selectAll();
      if (opts.job) q = q.where('job', '=', opts.job);
      q = q.where('status', 'in', opts.status ?? ['ok']);
      const rows = await q
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit ?? 10_000)
        .execute();
      return rows.map(toRecord);
    },

    async get(id: string): Promise<BackupRecord | undefined> {
      const exact = await db.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
      if (exact) return toRecord(exact);
      // A unique prefix is enough, as with git commits.
      const rows = await db
        .selectFrom('backups')
        .selectAll()
        .where('id', 'like', `${id.replace(/[%_\\]/g, '')}%`)
        .limit(2)
        .execute();
      return rows.length === 1 ? toRecord(rows[0]!) : undefined;
    },

    async addVerification(v: VerificationRecord): Promise<void> {
      await db
        .insertInto('backup_verifications')
        .values({
          backup_id: v.backupId,
          job: v.job,
          level: v.level,
          at: v.at,
          duration_ms: v.durationMs,
          ok: v.ok ? 1 : 0,
          message: v.message,
          target: v.target,
        })
        .execute();
    },

    /** verifications, newest first, of some backups or of a job */
    async verifications(opts: {
      backupIds?: string[];
      job?: string;
      limit?: number;
    }): Promise<VerificationRecord[]> {
      let q = db
        .selectFrom('backup_verifications')
        .select(['backup_id', 'job', 'level', 'at', 'duration_ms', 'ok', 'message', 'target']);
      if (opts.backupIds) {
        if (!opts.backupIds.length) return [];
        q = q.where('backup_id', 'in', opts.backupIds);
      }
      if (opts.job) q = q.where('job', '=', opts.job);
      const rows = await q
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit ?? 10_000)
        .execute();
      return rows.map(toVerification);
    },
  };
}

export type BackupsRepo = ReturnType<typeof backupsRepo>;

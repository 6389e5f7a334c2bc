import type { BackupRecord, VerificationRecord } from '../store/backups.js';

/** A backup and its latest verification as the CLI's --json and the API show them. */
export function backupView(
  b: BackupRecord,
  v?: Pick<VerificationRecord, 'level' | 'ok' | 'at' | 'message'> & { durationMs?: number },
) {
  return {
    id: b.id,
    job: b.job,
    source: b.source,
    startedAt: new Date(b.startedAt).toISOString(),
    endedAt: new Date(b.endedAt).toISOString(),
    durationMs: b.endedAt - b.startedAt,
    size: b.size,
    sha256: b.sha256,
    location: b.location,
    lastVerification: v
      ? {
          level: v.level,
          ok: v.ok,
          at: new Date(v.at).toISOString(),
          ...(v.durationMs === undefined ? {} : { durationMs: v.durationMs }),
          message: v.message,
        }
      : null,
  };
}

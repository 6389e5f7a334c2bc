/** What is written beside every artifact: enough to check it and to know how it was made. */
export interface Manifest {
  id: string;
  job: string;
  source: string;
  /** the source as people read it, without secrets */
  target: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  files: { name: string; size: number; sha256: string }[];
  /** all files together */
  size: number;
  tools: Record<string, string>;
  facts: Record<string, number | string>;
  vigil: string;
}

/** A backup as the repository holds it: its manifest and where it lives. */
export interface StoredBackup {
  manifest: Manifest;
  /** a local directory holding the files (for remote repositories, a local copy) */
  dir: string;
}

/**
 * Where backups are kept. A backup is staged in a local directory, then
 * committed whole; `list` returns only committed backups. A local directory
 * today; S3-compatible storage would be one more implementation.
 */
export interface Repository {
  /** a fresh local directory to write one backup into */
  stage(job: string, id: string, startedAt: number): Promise<string>;
  /** make a staged backup durable and visible, all at once */
  commit(staged: string, manifest: Manifest): Promise<StoredBackup>;
  /** drop a staged backup that failed */
  abandon(staged: string): Promise<void>;
  list(job?: string): Promise<StoredBackup[]>;
  get(id: string): Promise<StoredBackup | undefined>;
  delete(id: string): Promise<void>;
  /** remove what crashed runs left behind; returns how many */
  cleanup(): Promise<number>;
}

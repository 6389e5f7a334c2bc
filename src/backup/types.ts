import type { z } from 'zod';

/** What a run is given: where to write, and a way to be stopped. */
export interface SourceContext {
  /** a fresh, empty directory; everything written here becomes the backup */
  dir: string;
  signal: AbortSignal;
  /** bytes written so far, for progress bars */
  onProgress?(bytes: number): void;
}

/** What a dump reports: the tools that made it, and facts for the manifest. */
export interface DumpResult {
  /** tool name → version, e.g. { pg_dump: 'pg_dump (PostgreSQL) 15.20' } */
  tools: Record<string, string>;
  /** source-specific facts kept in the manifest, e.g. the number of files archived */
  facts?: Record<string, number | string>;
}

/** A restore target made for one restore test, queried by assertions and then dropped. */
export interface Scratch {
  /** where the backup is restored: a database URL or a directory */
  target: string;
  /** what is shown to people: the target with any password removed */
  label: string;
  /** run an assertion; true when it holds */
  assert(check: string): Promise<boolean>;
  drop(): Promise<void>;
}

/**
 * A kind of thing Vigil backs up: the schema of its block in vigil.yaml, how to
 * dump it with its native tool, how to read a dump end to end, and how to
 * restore one. One file per source, one line in `registry.ts`.
 *
 * @example
 *   export const sqliteSource: BackupSource<{ path: string }> = {
 *     schema: z.strictObject({ path: z.string() }),
 *     describe: (s) => s.path,
 *     dump: async (s, ctx) => ({ tools: { sqlite: '3.46' } }),
 *     read: async (s, dir) => 'integrity_check: ok',
 *     restore: async (s, dir, to) => {},
 *     scratch: async (s, opts) => ({ target, label, assert, drop }),
 *     existing: async (s, to) => undefined,
 *     manualSteps: (s, dir) => [`cp ${dir}/db.sqlite ${s.path}`],
 *   };
 */
export interface BackupSource<Spec> {
  schema: z.ZodType<Spec, any>;
  /** the source as people read it, without secrets */
  describe(spec: Spec): string;
  /** write the backup into ctx.dir; throws BackupFailed on any failure */
  dump(spec: Spec, ctx: SourceContext): Promise<DumpResult>;
  /** read the whole backup in `dir` with the native tool; throws BackupFailed if it is not whole */
  read(spec: Spec, dir: string, signal: AbortSignal): Promise<string>;
  /** restore the backup in `dir` into `to` (a database URL or a directory) */
  restore(spec: Spec, dir: string, to: string, signal: AbortSignal): Promise<void>;
  /** make a uniquely named scratch target, on `into` (a server URL) when the source needs one */
  scratch(spec: Spec, opts: { name: string; into?: string }): Promise<Scratch>;
  /** what a restore into `to` would overwrite, or undefined when `to` is empty or absent */
  existing(spec: Spec, to: string): Promise<string | undefined>;
  /** the restore by hand, with the native tools, of the backup in `dir`: for the runbook */
  manualSteps(spec: Spec, dir: string): string[];
  /**
   * SQL that holds when a restored database has at least one table: what a restore test
   * asserts when the job configures no `assert` and no `min_rows` (a database source only).
   */
  tablesExist?: string;
  /** let go of what the backup holds outside its directory (a restic snapshot), before retention deletes it */
  discard?(spec: Spec, dir: string, signal: AbortSignal): Promise<void>;
}

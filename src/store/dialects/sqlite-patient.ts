import {
  type CompiledQuery,
  type DatabaseConnection,
  type QueryResult,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/** How long a write waits for another connection's write lock before it fails, as busy_timeout did. */
export const lockWaitMs = 5000;

const waits = [1, 2, 4, 8, 16];
const settle = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether `e` is SQLite's SQLITE_BUSY, in any of its extended forms. */
export function busy(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY, waiting between tries on a timer, for at
 * most `deadlineMs`; then the last SQLITE_BUSY error is thrown, as a busy_timeout would.
 *
 * Why not SQLite's busy_timeout: its busy handler sleeps inside the call, on the calling thread.
 * On the daemon's main thread that froze the event loop for as long as another connection held
 * the write lock, and the results writer thread holds it for 40–85 ms per batch at 1,000 probes/s:
 * every outbox write, alert transition or job record that met a batch stalled every check and
 * request by as much. A statement that fails with SQLITE_BUSY outside a transaction has done
 * nothing (Vigil's transactions begin IMMEDIATE, so only the BEGIN itself can meet the lock), so
 * trying it again later is safe; inside a transaction it is not retried.
 */
export async function whenUnlocked<T>(
  attempt: () => T | Promise<T>,
  inTransaction: () => boolean,
  deadlineMs = lockWaitMs,
): Promise<T> {
  const started = performance.now();
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!busy(e) || inTransaction() || performance.now() - started >= deadlineMs) throw e;
    }
    await settle(waits[i] ?? 20);
  }
}

/**
 * Kysely's SQLite driver with its one connection made patient: a statement that meets another
 * connection's write lock waits for it without blocking the event loop (see `whenUnlocked`).
 */
export class PatientSqliteDriver extends SqliteDriver {
  readonly #inTransaction: () => boolean;
  readonly #deadlineMs: number;
  #connection: DatabaseConnection | undefined;

  constructor(config: SqliteDialectConfig, inTransaction: () => boolean, deadlineMs = lockWaitMs) {
    super(config);
    this.#inTransaction = inTransaction;
    this.#deadlineMs = deadlineMs;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.#connection ??= {
      executeQuery: <R>(q: CompiledQuery): Promise<QueryResult<R>> =>
        whenUnlocked(() => inner.executeQuery<R>(q), this.#inTransaction, this.#deadlineMs),
      streamQuery: <R>(q: CompiledQuery, chunkSize?: number) => inner.streamQuery<R>(q, chunkSize),
    };
    return this.#connection;
  }
}

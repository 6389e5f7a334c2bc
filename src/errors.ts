/**
 * Every code a person or a script can see, in one place: its exit code for the CLI (2 usage or
 * config, 1 a failed check or a denied gate, 3 a runtime failure), its HTTP status for the API,
 * and what it means. This table is the documentation of Vigil's error codes; the README links
 * here. A code nothing throws does not belong in it.
 */
export const errorCatalog = {
  USAGE: { exit: 2, http: 400, means: 'a command or request was malformed' },
  CONFIG_NOT_FOUND: { exit: 2, http: 500, means: 'no config file where Vigil looked' },
  CONFIG_EXISTS: { exit: 2, http: 409, means: '`vigil init` will not overwrite a config' },
  CONFIG_INVALID: { exit: 2, http: 400, means: 'the config, or a value given, is not valid' },
  CHECK_NOT_FOUND: { exit: 2, http: 404, means: 'no check by that name' },
  NOT_FOUND: { exit: 2, http: 404, means: 'no such thing (an incident, a silence, a notification)' },
  LOG_NOT_FOUND: { exit: 2, http: 404, means: 'no log file matches' },
  BACKUP_JOB_NOT_FOUND: { exit: 2, http: 404, means: 'no backup job by that name' },
  BACKUP_NOT_FOUND: { exit: 2, http: 404, means: 'no backup with that id' },
  RESTORE_TARGET_LIVE: { exit: 2, http: 409, means: 'a restore would overwrite a live database' },
  CHANGE_NOT_FOUND: { exit: 2, http: 404, means: 'no change record with that id' },
  SERVICE_NOT_FOUND: { exit: 2, http: 404, means: 'no such service in the change windows' },
  ROLLBACK_PLAN_REQUIRED: { exit: 2, http: 400, means: 'changes.require.rollback_plan is on' },
  ROUTINE_NOT_FOUND: { exit: 2, http: 404, means: 'no routine by that name' },
  ROUTINE_RUN_NOT_FOUND: { exit: 2, http: 404, means: 'no routine run with that id' },
  ROUTINE_STEP_NOT_FOUND: { exit: 2, http: 404, means: 'no step by that name in the run' },
  ROUTINE_SIGNOFF_REFUSED: { exit: 2, http: 409, means: 'the step is not waiting for a sign-off' },
  MAINTENANCE_TASK_NOT_FOUND: { exit: 2, http: 404, means: 'no maintenance task by that name' },
  UNAUTHENTICATED: { exit: 2, http: 401, means: 'log in, or send a token' },
  FORBIDDEN: { exit: 2, http: 403, means: 'the role does not allow this' },
  TOO_MANY_REQUESTS: { exit: 2, http: 429, means: 'too many attempts: wait and try again' },
  USER_EXISTS: { exit: 2, http: 409, means: 'a user by that name exists' },
  CHECK_FAILED: { exit: 1, http: 500, means: 'a check is critical, or the gate denied' },
  STORE_UNREACHABLE: { exit: 3, http: 503, means: 'the store did not answer' },
  STORE_NOT_WRITABLE: { exit: 3, http: 503, means: 'the store cannot be written' },
  STORE_IN_USE: { exit: 2, http: 409, means: 'another Vigil daemon is using this SQLite store' },
  SERVER_LISTEN_FAILED: { exit: 3, http: 500, means: 'the HTTP port could not be opened' },
  LOG_UNREADABLE: { exit: 3, http: 500, means: 'a log file could not be read' },
  LOG_ROTATE_FAILED: { exit: 3, http: 500, means: 'a rotation failed; nothing was lost' },
  BACKUP_FAILED: { exit: 3, http: 500, means: 'a backup or restore failed; nothing half-written is listed' },
  RUNTIME: { exit: 3, http: 500, means: 'something failed at run time' },
} as const satisfies Record<string, { exit: 1 | 2 | 3; http: number; means: string }>;

/**
 * The one error type Vigil raises. Every failure a person or a script can see
 * carries a stable `code` (see `errorCatalog`), a one-line message and a hint
 * that says what to do about it.
 *
 * @example
 *   throw new VigilError('CONFIG_INVALID', 'checks[0].every: "5 minutes" is not a duration', {
 *     hint: 'write durations as 30s, 5m, 1h, 1d or 1w',
 *   });
 */
export type ErrorCode = keyof typeof errorCatalog;

export interface ConfigProblem {
  /** file:line:col, or the file alone when the position is unknown */
  where: string;
  path: string;
  message: string;
  hint?: string;
}

export class VigilError extends Error {
  override readonly name = 'VigilError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** every problem found, for errors that gather several (config validation) */
  readonly problems: readonly ConfigProblem[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown; problems?: ConfigProblem[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.problems = options.problems ?? [];
  }

  get exitCode(): 1 | 2 | 3 {
    return errorCatalog[this.code].exit;
  }

  get httpStatus(): number {
    return errorCatalog[this.code].http;
  }
}

/** A message for anything caught, without leaking a stack trace. */
export function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

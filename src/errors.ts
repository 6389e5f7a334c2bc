/**
 * The one error type Vigil raises. Every failure a person or a script can see
 * carries a stable `code` (documented in docs/errors.md), a one-line message and
 * a hint that says what to do about it.
 *
 * @example
 *   throw new VigilError('CONFIG_INVALID', 'checks[0].every: "5 minutes" is not a duration', {
 *     hint: 'write durations as 30s, 5m, 1h, 1d or 1w',
 *   });
 */
export const errorCodes = {
  // usage and configuration: exit 2
  USAGE: 2,
  CONFIG_NOT_FOUND: 2,
  CONFIG_EXISTS: 2,
  CONFIG_INVALID: 2,
  CHECK_NOT_FOUND: 2,
  NOT_FOUND: 2,
  LOG_NOT_FOUND: 2,
  BACKUP_JOB_NOT_FOUND: 2,
  BACKUP_NOT_FOUND: 2,
  RESTORE_TARGET_LIVE: 2,
  CHANGE_NOT_FOUND: 2,
  SERVICE_NOT_FOUND: 2,
  ROLLBACK_PLAN_REQUIRED: 2,
  ROUTINE_NOT_FOUND: 2,
  ROUTINE_RUN_NOT_FOUND: 2,
  ROUTINE_STEP_NOT_FOUND: 2,
  ROUTINE_SIGNOFF_REFUSED: 2,
  MAINTENANCE_TASK_NOT_FOUND: 2,
  UNAUTHENTICATED: 2,
  FORBIDDEN: 2,
  TOO_MANY_REQUESTS: 2,
  USER_EXISTS: 2,
  // a check failed or a gate denied: exit 1
  CHECK_FAILED: 1,
  // the world failed us at run time: exit 3
  STORE_UNREACHABLE: 3,
  STORE_NOT_WRITABLE: 3,
  STORE_FAILED: 3,
  SERVER_LISTEN_FAILED: 3,
  LOG_UNREADABLE: 3,
  LOG_ROTATE_FAILED: 3,
  BACKUP_FAILED: 3,
  RUNTIME: 3,
} as const;

export type ErrorCode = keyof typeof errorCodes;

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
    return errorCodes[this.code];
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

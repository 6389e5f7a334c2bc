/** Where a PromQL failure comes from, so callers can tell a typo from a gap in our support. */
export type PromQLErrorKind = 'parse' | 'unsupported' | 'type' | 'eval';

/**
 * Every failure of the PromQL parser or evaluator. `position` is a range of
 * character offsets into the expression as the caller wrote it; `construct`
 * names what we refused when `kind` is `unsupported` (e.g. `subquery`).
 *
 * @example
 *   try { parsePromQL('rate(x)') } catch (e) { if (e instanceof PromQLError) e.kind === 'type' }
 */
export class PromQLError extends Error {
  override readonly name = 'PromQLError';
  readonly kind: PromQLErrorKind;
  readonly position?: { from: number; to: number };
  readonly construct?: string;

  constructor(
    kind: PromQLErrorKind,
    message: string,
    opts: { position?: { from: number; to: number }; construct?: string } = {},
  ) {
    super(message);
    this.kind = kind;
    if (opts.position) this.position = opts.position;
    if (opts.construct) this.construct = opts.construct;
  }
}

/** Refuses a construct we do not evaluate, naming it, instead of answering wrongly. */
export function unsupported(construct: string, position?: { from: number; to: number }): PromQLError {
  return new PromQLError('unsupported', `unsupported PromQL construct: ${construct}`, {
    construct,
    ...(position ? { position } : {}),
  });
}

/** A failure while evaluating, with Prometheus's message. */
export function evalError(message: string): PromQLError {
  return new PromQLError('eval', message);
}

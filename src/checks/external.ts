import { z } from 'zod';
import type { CheckKind, KindOutcome } from './types.js';

const schema = z.strictObject({});

export type ExternalSpec = z.output<typeof schema>;

/**
 * A check whose results are made elsewhere (a cron job, a CI pipeline, another
 * monitor) and pushed in the shape Gatus's external endpoints use:
 * `POST /api/v1/checks/<name>/external?success=true&error=…&duration=…`.
 * Vigil runs nothing for it; each push is stored like any check's result.
 */
export const externalCheck: CheckKind<ExternalSpec> = {
  schema,
  series: [],
  pushed: true,
  target: () => 'pushed results',
  // `vigil check` runs every check once: an external one has nothing to run here.
  run: async (_spec, ctx) => ({
    status: 'unknown',
    message: `results are pushed to /api/v1/checks/${ctx.name}/external`,
  }),
};

/** What a push says, as the API received it. */
export interface PushedResult {
  success: boolean;
  error?: string;
  durationMs?: number;
}

/** A push as a kind's outcome: a failure is critical with its error as the message. */
export function pushedOutcome(p: PushedResult): KindOutcome {
  return {
    status: p.success ? 'ok' : 'critical',
    message: p.error?.trim() || (p.success ? 'success reported' : 'failure reported'),
    ...(p.durationMs === undefined ? {} : { durationMs: p.durationMs }),
  };
}

import type { z } from 'zod';
import type { RetentionPolicy, Store } from '../store/store.js';

export interface TaskContext {
  /** aborted at the task's timeout or at shutdown: a kind cancels its work on the server */
  signal: AbortSignal;
  timeoutMs: number;
  /** the directory of vigil.yaml: relative paths resolve from it */
  baseDir: string;
  now(): number;
  /** Vigil's own store, for the task that maintains it */
  store?: Store;
  retention?: RetentionPolicy;
}

/**
 * A maintenance task kind: the schema of its block and how it runs. It
 * resolves with a one-line account of what it did, or throws (a failure).
 * One file per kind, one line in `registry.ts`.
 *
 * @example
 *   export const noop: TaskKind<{}> = {
 *     schema: z.strictObject({}),
 *     target: () => 'nothing',
 *     run: async () => 'did nothing',
 *   };
 */
export interface TaskKind<Spec> {
  schema: z.ZodType<Spec, any>;
  /** what the task works on, password removed, for lists and logs */
  target(spec: Spec): string;
  run(spec: Spec, ctx: TaskContext): Promise<string>;
}

/** Throws when the signal is aborted; kinds call it between statements. */
export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new Error('cancelled: the task ran past its timeout');
}

/** `orders` or `public.orders` as a quoted identifier. */
export function quoteIdent(name: string, quote: '"' | '`'): string {
  return name
    .split('.')
    .map((p) => quote + p.replaceAll(quote, quote + quote) + quote)
    .join('.');
}

import { z } from 'zod';
import type { VigilConfig } from '../../config/schema.js';
import type { Store } from '../../store/store.js';
import type { Section } from '../types.js';

/**
 * Where the `changes` step reads deploys, rollbacks and failed changes. The
 * change records live elsewhere; without a source the step is skipped.
 */
export interface ChangeSource {
  inPeriod(
    from: number,
    to: number,
  ): Promise<{
    deploys: { id: string; title: string; at: number; by?: string }[];
    rollbacks: { id: string; title: string; at: number; by?: string }[];
    failed: { id: string; title: string; at: number; reason?: string }[];
  }>;
}

export interface StepContext {
  store: Store;
  config: VigilConfig;
  /** the directory of vigil.yaml: relative paths resolve from it */
  baseDir: string;
  now: number;
  /** what the report covers */
  period: { from: number; to: number };
  /** the previous run's start and its section of this step, for "what changed" */
  previous?: { at: number; section: Section | undefined };
  signal: AbortSignal;
  changes?: ChangeSource;
}

/**
 * A step kind: the schema of its block in a routine and how it runs.
 * One file per kind, one line in `registry.ts`. A step returns its section;
 * a failure is data, yet a step that throws is caught by the runner and
 * shown as failed with its message.
 *
 * @example
 *   export const uptime: StepKind<{ slo: number }> = {
 *     schema: z.strictObject({ slo: z.number() }),
 *     title: (s) => `Availability against ${s.slo}`,
 *     run: async (spec, ctx) => ({ status: 'ok', summary: 'all good', findings: [] }),
 *   };
 */
export interface StepKind<Spec> {
  schema: z.ZodType<Spec, any>;
  title(spec: Spec): string;
  run(spec: Spec, ctx: StepContext): Promise<Section>;
  /**
   * The series the step puts in its section's `series`: each name with its help and its own label
   * names (the routine service adds `routine` and `step`). `vigil validate` knows a rule on them
   * has a source, and /metrics declares them.
   */
  series?: Readonly<Record<string, { help: string; labels?: readonly string[] }>>;
}

/** `- alerts:`, `- alerts: "*"` or `- alerts: { … }`: the options, or their defaults. */
export function options<T extends z.ZodObject<any>>(o: T) {
  const defaults = o.parse({}) as z.output<T>;
  return z
    .union([z.null(), z.literal('*'), z.literal(true), o])
    .transform((v): z.output<T> => (v === null || v === '*' || v === true ? defaults : (v as z.output<T>)));
}

/** Check names a step is limited to: "*" for all. */
export const checkSelection = z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]);

export function selectChecks(config: VigilConfig, sel: '*' | readonly string[] | undefined): string[] {
  const all = config.checks.map((c) => c.name);
  return sel === undefined || sel === '*' ? all : all.filter((n) => sel.includes(n));
}

export const skipped = (reason: string): Section => ({
  status: 'skipped',
  reason,
  summary: reason,
  findings: [],
});

/** p-th percentile (0..1) by nearest rank, of a sorted array. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export const day = 86_400_000;

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function fmtAge(ms: number): string {
  if (ms < 3_600_000) return `${Math.max(0, Math.round(ms / 60_000))} min`;
  if (ms < 2 * day) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / day)} days`;
}

export function fmtPct(r: number, digits = 2): string {
  return `${(r * 100).toFixed(digits)}%`;
}

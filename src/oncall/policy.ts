import type { OncallInput } from '../config/oncall.js';

/**
 * Escalation policies, flattened: a step that goes on with another policy is replaced by that
 * policy's steps (once: its own `repeat` does not apply inside another), so the escalation engine
 * walks one list. The config refuses loops, so flattening ends.
 */

export interface EscalationStep {
  /** notify whoever is on call in this schedule when the step runs */
  schedule?: string;
  users: readonly string[];
  channels: readonly string[];
  /** wait this long for an acknowledgement before the next step */
  waitMs: number;
  /** the policy the step was written in (differs from the policy's own name when inlined) */
  from: string;
}

export interface PolicySpec {
  name: string;
  steps: readonly EscalationStep[];
  /** how many more rounds after the first */
  repeat: number;
}

/** Where an escalation stands: round 0 is the first pass through the steps. */
export interface Position {
  round: number;
  step: number;
}

/** The step after `pos`, or undefined when the policy is exhausted. Never skips one. */
export function after(p: PolicySpec, pos: Position): Position | undefined {
  if (pos.step + 1 < p.steps.length) return { round: pos.round, step: pos.step + 1 };
  if (pos.round < p.repeat) return { round: pos.round + 1, step: 0 };
  return undefined;
}

/** Every policy of a validated config, flattened. */
export function compilePolicies(o: OncallInput): Map<string, PolicySpec> {
  const byName = new Map(o.policies.map((p) => [p.name, p]));
  const flat = (name: string, seen: ReadonlySet<string>): EscalationStep[] =>
    (byName.get(name)?.steps ?? []).flatMap((s): EscalationStep[] => {
      if (s.policy !== undefined)
        return seen.has(s.policy) ? [] : flat(s.policy, new Set([...seen, s.policy]));
      return [
        {
          ...(s.schedule !== undefined ? { schedule: s.schedule } : {}),
          users: s.users ?? [],
          channels: s.channels ?? [],
          waitMs: s.wait,
          from: name,
        },
      ];
    });
  return new Map(
    o.policies.map((p) => [
      p.name,
      { name: p.name, steps: flat(p.name, new Set([p.name])), repeat: p.repeat },
    ]),
  );
}

import { compileSchedule, type OncallInput } from '../config/oncall.js';
import type { ScheduleSpec } from '../core/rotation.js';
import { contactChannelName } from './contacts.js';
import { compilePolicies, type PolicySpec } from './policy.js';

export interface OncallUser {
  name: string;
  displayName: string;
  /** the outbox channels that reach this person, in the order given */
  channels: string[];
}

export interface CompiledOncall {
  users: Map<string, OncallUser>;
  schedules: Map<string, ScheduleSpec>;
  policies: Map<string, PolicySpec>;
  ackLinkTtlMs: number;
}

const compiled = new WeakMap<OncallInput, CompiledOncall>();

/** The `oncall:` block of a validated config, compiled once per load. */
export function compileOncall(o: OncallInput): CompiledOncall {
  let c = compiled.get(o);
  if (!c) {
    c = {
      users: new Map(
        o.users.map((u) => [
          u.name,
          {
            name: u.name,
            displayName: u.display_name ?? u.name,
            channels: u.contacts.map((x) => contactChannelName(u.name, x.channel)),
          },
        ]),
      ),
      schedules: new Map(o.schedules.map((s) => [s.name, compileSchedule(s)])),
      policies: compilePolicies(o),
      ackLinkTtlMs: o.ack_link_ttl,
    };
    compiled.set(o, c);
  }
  return c;
}

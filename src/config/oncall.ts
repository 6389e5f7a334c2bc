import { z } from 'zod';
import type { LayerSpec, OverrideSpec, ScheduleSpec, WallTime } from '../core/rotation.js';
import { scheduleStart } from '../core/rotation.js';
import { parseDate, zonedTime } from '../core/windows.js';
import type { Channel } from '../notify/config.js';
import { contactChannel } from '../oncall/contacts.js';
import { duration, labelsSchema, timeZone } from './types.js';

/**
 * The `oncall:` block: the people who get paged and how to reach each of them, rotations of them
 * (schedules with layers and overrides), and escalation policies a route's receiver may name.
 * Compiled at load time into the shapes the pure engines (core/rotation.ts, core/escalation.ts)
 * take, so an empty rotation or a loop of policies fails `vigil validate`, not a night's page.
 */

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a name is letters, digits, "_", "-" and "."');

const wallTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'not a time of day')
  .transform((s): WallTime => ({ h: Number(s.slice(0, 2)), m: Number(s.slice(3, 5)) }));

const date = z.string().refine((s) => parseDate(s) !== undefined, {
  message: 'not a date',
  params: { hint: 'YYYY-MM-DD, e.g. 2026-11-02' },
});

/** `YYYY-MM-DDTHH:MM` in the schedule's zone, or an ISO 8601 instant with Z or an offset. */
const instant = z.string().refine((s) => localRe.test(s) || hasOffset(s), {
  message: 'not a time',
  params: { hint: '2026-12-08T09:00 (in the schedule time zone) or 2026-12-08T08:00:00Z' },
});
const localRe = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/;
const hasOffset = (s: string) => /(Z|[+-]\d{2}:?\d{2})$/.test(s) && !Number.isNaN(Date.parse(s));

const contactSchema = z.strictObject({
  /** a channel under notify: whose settings (SMTP relay, bot, ntfy server) carry this contact */
  channel: z.string().min(1),
  /** this person's address on that channel: e-mail address, ntfy topic, Pushover user key, Telegram chat id, Slack channel or @user */
  to: z.union([z.string().min(1), z.number().int()]).optional(),
});

const userSchema = z.strictObject({
  name,
  /** shown in messages and on the dashboard */
  display_name: z.string().min(1).optional(),
  contacts: z.array(contactSchema).min(1, 'a person needs at least one contact'),
});

const layerSchema = z.strictObject({
  name: name.optional(),
  /** people in turn order, by name under oncall.users */
  rotation: z.array(z.string().min(1)).min(1, 'a rotation with nobody in it'),
  shift: z.enum(['daily', 'weekly']).default('weekly'),
  /** the first handoff's date, in the schedule's time zone */
  start: date,
  /** wall-clock time of each handoff */
  handoff: wallTime.prefault('09:00'),
  /** only part of each day, e.g. nights: { from: "22:00", to: "07:00" } */
  hours: z.strictObject({ from: wallTime, to: wallTime }).optional(),
});

const overrideSchema = z.strictObject({
  user: z.string().min(1),
  from: instant,
  until: instant,
});

const scheduleSchema = z.strictObject({
  name,
  timezone: timeZone.default('UTC'),
  layers: z.array(layerSchema).min(1, 'a schedule needs a layer'),
  overrides: z.array(overrideSchema).default([]),
});

const stepSchema = z.strictObject({
  /** whoever is on call in this schedule when the step runs */
  schedule: z.string().min(1).optional(),
  users: z.array(z.string().min(1)).optional(),
  /** channels under notify: (a team room) */
  channels: z.array(z.string().min(1)).optional(),
  /** go on with another policy's steps */
  policy: z.string().min(1).optional(),
  /** how long to wait for an acknowledgement before the next step */
  wait: duration({ min: 60_000, max: 7 * 86_400_000 }).prefault('15m'),
});

const policySchema = z.strictObject({
  name,
  /** without a route tree: alerts with every one of these labels page this policy (as a channel's match) */
  match: labelsSchema.optional(),
  /** how many more times the steps run from the first when nobody acknowledged */
  repeat: z.number().int().min(0).max(10).default(0),
  steps: z.array(stepSchema).min(1, 'a policy needs a step'),
});

export const oncallSchema = z
  .strictObject({
    users: z.array(userSchema).default([]),
    schedules: z.array(scheduleSchema).default([]),
    policies: z.array(policySchema).default([]),
    /** how long an acknowledgement link in a page stays valid */
    ack_link_ttl: duration({ min: 60_000, max: 30 * 86_400_000 }).prefault('24h'),
  })
  .prefault({});

export type OncallInput = z.output<typeof oncallSchema>;
type Ctx = z.RefinementCtx;

/** Names that must exist, loops, overrides outside the schedule: reported at the offending field. */
export function checkOncall(
  o: OncallInput & { hasRouteTree?: boolean },
  /** the channels under notify: (undefined: one that names no provider, reported there) */
  channelMap: ReadonlyMap<string, Channel | undefined>,
  ctx: Ctx,
): void {
  const at = (...p: (string | number)[]) => ['oncall', ...p];
  const users = new Set(o.users.map((u) => u.name));
  const channels = [...channelMap.keys()];
  const channelSet = new Set(channels);
  const dup = (list: readonly { name: string }[], what: string) => {
    const seen = new Map<string, number>();
    list.forEach((x, i) => {
      if (seen.has(x.name))
        ctx.addIssue({
          code: 'custom',
          path: at(what, i, 'name'),
          message: `duplicate name "${x.name}" (first at oncall.${what}[${seen.get(x.name)}])`,
        });
      else seen.set(x.name, i);
    });
  };
  dup(o.users, 'users');
  dup(o.schedules, 'schedules');
  dup(o.policies, 'policies');
  const noUser = (path: (string | number)[], user: string) =>
    ctx.addIssue({
      code: 'custom',
      path,
      message: `no user named "${user}" under oncall.users`,
      params: { hint: `users: ${[...users].join(', ') || 'none (add people under oncall.users)'}` },
    });
  const noChannel = (path: (string | number)[], ch: string) =>
    ctx.addIssue({
      code: 'custom',
      path,
      message: `no channel named "${ch}"`,
      params: { hint: `channels: ${channels.join(', ') || 'none (add one under notify:)'}` },
    });
  o.users.forEach((u, i) => {
    u.contacts.forEach((c, j) => {
      const base = channelMap.get(c.channel);
      if (!channelSet.has(c.channel)) noChannel(at('users', i, 'contacts', j, 'channel'), c.channel);
      else if (base) {
        const ch = contactChannel(u.name, c, base);
        if (typeof ch === 'string')
          ctx.addIssue({ code: 'custom', path: at('users', i, 'contacts', j, 'to'), message: ch });
      }
    });
  });
  const scheduleNames = new Set(o.schedules.map((s) => s.name));
  o.schedules.forEach((s, i) => {
    s.layers.forEach((l, j) => {
      l.rotation.forEach((u, k) => {
        if (!users.has(u)) noUser(at('schedules', i, 'layers', j, 'rotation', k), u);
      });
    });
    const spec = compileSchedule(s);
    const start = scheduleStart(spec);
    s.overrides.forEach((ov, j) => {
      if (!users.has(ov.user)) noUser(at('schedules', i, 'overrides', j, 'user'), ov.user);
      const o = spec.overrides[j]!;
      if (o.startsAt >= o.endsAt)
        ctx.addIssue({
          code: 'custom',
          path: at('schedules', i, 'overrides', j, 'until'),
          message: 'the override ends before it starts',
          params: { hint: 'until is the end of the cover, after from' },
        });
      else if (o.startsAt < start)
        ctx.addIssue({
          code: 'custom',
          path: at('schedules', i, 'overrides', j, 'from'),
          message: `the override starts before the schedule "${s.name}" does (${new Date(start).toISOString()})`,
          params: { hint: 'an override covers part of the schedule: move from after its first handoff' },
        });
    });
  });
  const policyNames = new Set(o.policies.map((p) => p.name));
  o.policies.forEach((p, i) => {
    if (p.match && o.hasRouteTree)
      ctx.addIssue({
        code: 'custom',
        path: at('policies', i, 'match'),
        message: 'a policy cannot match when a route tree is given',
        params: { hint: `put the matchers on a route under route.routes with receiver: ${p.name}` },
      });
    if (channelSet.has(p.name))
      ctx.addIssue({
        code: 'custom',
        path: at('policies', i, 'name'),
        message: `"${p.name}" is also a channel under notify:; a route's receiver would be ambiguous`,
        params: { hint: 'rename the policy, e.g. page-' + p.name },
      });
    p.steps.forEach((st, j) => {
      const path = at('policies', i, 'steps', j);
      const kinds = (['schedule', 'users', 'channels', 'policy'] as const).filter((k) => st[k] !== undefined);
      if (!kinds.length)
        ctx.addIssue({
          code: 'custom',
          path,
          message: 'a step notifies nobody',
          params: { hint: 'give schedule:, users:, channels: or policy:' },
        });
      if (st.policy !== undefined && kinds.length > 1)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'policy'],
          message: 'a step that goes on with another policy notifies nobody itself',
          params: { hint: 'put schedule:, users: or channels: in a step of their own' },
        });
      if (st.schedule !== undefined && !scheduleNames.has(st.schedule))
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'schedule'],
          message: `no schedule named "${st.schedule}" under oncall.schedules`,
        });
      st.users?.forEach((u, k) => {
        if (!users.has(u)) noUser([...path, 'users', k], u);
      });
      st.channels?.forEach((c, k) => {
        if (!channelSet.has(c)) noChannel([...path, 'channels', k], c);
      });
      if (st.policy !== undefined && !policyNames.has(st.policy))
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'policy'],
          message: `no policy named "${st.policy}" under oncall.policies`,
        });
    });
  });
  // A loop of policies would escalate forever: find each cycle once, at the step that closes it.
  const next = new Map(
    o.policies.map((p) => [p.name, p.steps.flatMap((s, j) => (s.policy ? [[s.policy, j] as const] : []))]),
  );
  const index = new Map(o.policies.map((p, i) => [p.name, i]));
  const reported = new Set<string>();
  const visit = (name: string, stack: string[]) => {
    for (const [to, j] of next.get(name) ?? []) {
      const k = stack.indexOf(to);
      if (k >= 0) {
        const cycle = [...stack.slice(k), to];
        const key = [...cycle.slice(0, -1)].sort().join('\u0000');
        if (reported.has(key)) continue;
        reported.add(key);
        ctx.addIssue({
          code: 'custom',
          path: at('policies', index.get(name)!, 'steps', j, 'policy'),
          message: `policies loop: ${cycle.join(' → ')}`,
          params: { hint: 'a policy cannot go on with itself; use repeat: to run its steps again' },
        });
      } else if (index.has(to)) visit(to, [...stack, to]);
    }
  };
  for (const p of o.policies) visit(p.name, [p.name]);
}

function instantOf(text: string, zone: string): number {
  const m = localRe.exec(text);
  if (m) return zonedTime(zone, +m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!);
  return Date.parse(text);
}

type ScheduleInput = OncallInput['schedules'][number];

/** One schedule in the shape core/rotation.ts computes with; call only on a validated config. */
export function compileSchedule(s: ScheduleInput): ScheduleSpec {
  const layers = s.layers.map(
    (l, i): LayerSpec => ({
      name: l.name ?? `layer-${i + 1}`,
      users: l.rotation,
      shiftDays: l.shift === 'daily' ? 1 : 7,
      start: parseDate(l.start)!,
      handoff: l.handoff,
      ...(l.hours ? { hours: l.hours } : {}),
    }),
  );
  const overrides = s.overrides.map(
    (o): OverrideSpec => ({
      user: o.user,
      startsAt: instantOf(o.from, s.timezone),
      endsAt: instantOf(o.until, s.timezone),
    }),
  );
  return { name: s.name, timezone: s.timezone, layers, overrides };
}

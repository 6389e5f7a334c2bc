import { z } from 'zod';
import { duration, labelsSchema, maxTimerWait } from '../config/types.js';
import type { Matcher } from '../metrics/types.js';
import { equalityMatchers, matchersSchema } from './matchers.js';
import { type ProviderName, providerNames, providers } from './registry.js';
import { templateError } from './template.js';

const providerFields = Object.fromEntries(providerNames.map((p) => [p, providers[p].schema.optional()])) as {
  [K in ProviderName]: z.ZodOptional<(typeof providers)[K]['schema']>;
};

const template = z.string().superRefine((text, ctx) => {
  const error = templateError(text);
  if (error)
    ctx.addIssue({
      code: 'custom',
      message: `template does not parse: ${error}`,
      params: {
        hint: 'templates are Liquid: {{ commonLabels.alertname }}, {% for a in alerts %}…{% endfor %}',
      },
    });
});

const groupBy = z.array(
  z.string().regex(/^([a-zA-Z_][a-zA-Z0-9_]*|\.\.\.)$/, 'a label name, or "..." for all'),
);

const timing = {
  group_by: groupBy.optional(),
  group_wait: duration({ max: maxTimerWait }).optional(),
  group_interval: duration({ min: 1000, max: maxTimerWait }).optional(),
  repeat_interval: duration({ min: 1000 }).optional(),
};

/** A channel: where notifications go, in the guide's form `{name, slack: {...}, match: {...}}`. */
const channelSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a channel name is letters, digits, "_", "-" and "."'),
  /** every label equal (the short form); used when there is no `route:` tree */
  match: labelsSchema.optional(),
  /** Alertmanager-style matchers, all must match */
  matchers: matchersSchema.optional(),
  send_resolved: z.boolean().default(true),
  title: template.optional(),
  body: template.optional(),
  ...timing,
  ...providerFields,
});

interface RouteInput {
  receiver?: string;
  match?: Record<string, string>;
  matchers?: Matcher[];
  continue?: boolean;
  group_by?: string[];
  group_wait?: number;
  group_interval?: number;
  repeat_interval?: number;
  routes?: RouteInput[];
}

const routeSchema: z.ZodType<RouteInput, any> = z.lazy(() =>
  z.strictObject({
    receiver: z.string().optional(),
    match: labelsSchema.optional(),
    matchers: matchersSchema.optional(),
    continue: z.boolean().optional(),
    ...timing,
    routes: z.array(routeSchema).optional(),
  }),
);

const inhibitSchema = z
  .strictObject({
    source_match: labelsSchema.optional(),
    source_matchers: matchersSchema.optional(),
    target_match: labelsSchema.optional(),
    target_matchers: matchersSchema.optional(),
    equal: z.array(z.string()).default([]),
  })
  .transform((r) => ({
    source: [...equalityMatchers(r.source_match ?? {}), ...(r.source_matchers ?? [])],
    target: [...equalityMatchers(r.target_match ?? {}), ...(r.target_matchers ?? [])],
    equal: r.equal,
  }));

export type InhibitRule = z.output<typeof inhibitSchema>;

/** The top-level keys the notification pipeline adds to vigil.yaml. */
export const notifyFields = {
  notify: z.array(channelSchema).default([]),
  /** an Alertmanager-style route tree over the channels; without it, each channel's `match` routes */
  route: routeSchema.optional(),
  inhibit_rules: z.array(inhibitSchema).default([]),
  notifications: z
    .strictObject({
      /** the address people reach Vigil at, for links in messages */
      external_url: z.string().default(''),
      /** one delivery attempt's time limit */
      timeout: duration({ min: 100, max: maxTimerWait }).prefault('10s'),
      retry: z
        .strictObject({
          initial: duration({ min: 10 }).prefault('1s'),
          max: duration({ min: 10 }).prefault('5m'),
        })
        .prefault({}),
      /** a notification still undelivered after this long is dead-lettered */
      give_up_after: duration({ min: 1000 }).prefault('1h'),
      /** deliveries in flight at once */
      workers: z.number().int().min(1).max(256).default(16),
      /** how often idle delivery workers look for work another process (the CLI, a node) queued */
      poll_interval: duration({ min: 100, max: 3_600_000 }).prefault('2s'),
    })
    .prefault({}),
  incidents: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** the lowest severity that opens an incident */
      severity: z.string().default('critical'),
      /** alerts with equal values of these labels share one incident */
      group_by: z.array(z.string()).default(['alertname']),
    })
    .prefault({}),
};

const notifyObject = z.object(notifyFields);
export type NotifyInput = z.output<typeof notifyObject>;
export type ChannelInput = z.output<typeof channelSchema>;

/** Cross-field rules, reported at the offending key: called from the config schema's superRefine. */
export function checkNotify(
  config: NotifyInput,
  ctx: z.RefinementCtx,
  /** escalation policies under oncall:, which a route may name as its receiver too */
  policies: readonly string[] = [],
): void {
  const names = new Map<string, number>();
  config.notify.forEach((c, i) => {
    const kinds = providerNames.filter((p) => c[p] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['notify', i],
        message: kinds.length
          ? `channel "${c.name}" has ${kinds.length} providers (${kinds.join(', ')})`
          : `channel "${c.name}" has no provider`,
        params: { hint: `give exactly one of: ${providerNames.join(', ')}`, ifNoUnknownKey: !kinds.length },
      });
    if (names.has(c.name))
      ctx.addIssue({
        code: 'custom',
        path: ['notify', i, 'name'],
        message: `duplicate channel name "${c.name}" (first at notify[${names.get(c.name)}])`,
      });
    else names.set(c.name, i);
    if (config.route && (c.match || c.matchers))
      ctx.addIssue({
        code: 'custom',
        path: ['notify', i, c.match ? 'match' : 'matchers'],
        message: 'a channel cannot match when a route tree is given',
        params: { hint: 'put the matchers on a route under route.routes with receiver: ' + c.name },
      });
  });
  const walk = (r: RouteInput, path: (string | number)[]) => {
    if (r.receiver !== undefined && !names.has(r.receiver) && !policies.includes(r.receiver))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'receiver'],
        message: `no channel or escalation policy named "${r.receiver}"`,
        params: { hint: `channels: ${[...names.keys()].join(', ') || 'none (add one under notify:)'}` },
      });
    r.routes?.forEach((child, i) => {
      walk(child, [...path, 'routes', i]);
    });
  };
  if (config.route) {
    if (config.route.receiver === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['route'],
        message: 'the root route needs a receiver',
        params: { hint: 'the receiver gets every alert no child route takes' },
      });
    if (config.route.match || config.route.matchers)
      ctx.addIssue({
        code: 'custom',
        path: ['route'],
        message: 'the root route matches every alert; it cannot have matchers',
      });
    walk(config.route, ['route']);
  }
}

export interface Channel {
  name: string;
  provider: ProviderName;
  spec: unknown;
  sendResolved: boolean;
  templates: { title?: string; body?: string };
}

export interface Route {
  /** stable within one config: the path of indexes from the root */
  id: string;
  receiver?: string;
  matchers: Matcher[];
  continue: boolean;
  /** undefined: every label ("...") */
  groupBy: string[] | undefined;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  routes: Route[];
}

export interface CompiledNotify {
  channels: Map<string, Channel>;
  route: Route;
  inhibit: InhibitRule[];
}

/** One channel of `notify:`, or undefined when it names no provider (a config error). */
export function channelOf(c: ChannelInput): Channel | undefined {
  const provider = providerNames.find((p) => c[p] !== undefined);
  return provider === undefined
    ? undefined
    : {
        name: c.name,
        provider,
        spec: c[provider],
        sendResolved: c.send_resolved,
        templates: { title: c.title, body: c.body },
      };
}

/** Alertmanager's defaults. */
const defaults = { groupWaitMs: 30_000, groupIntervalMs: 5 * 60_000, repeatIntervalMs: 4 * 3_600_000 };

/** The channels and one route tree, whichever form the config used. */
export function compileNotify(config: NotifyInput): CompiledNotify {
  const channels = new Map<string, Channel>();
  for (const c of config.notify) channels.set(c.name, channelOf(c)!);
  const leaf = (receiver: string | undefined, t: Partial<Record<keyof typeof defaults, number>>) => {
    // a receiver that is an escalation policy (oncall.policies) takes the defaults
    const channel = receiver ? channels.get(receiver) : undefined;
    const p = channel ? providers[channel.provider].defaults : undefined;
    return {
      groupWaitMs: t.groupWaitMs ?? p?.groupWaitMs ?? defaults.groupWaitMs,
      groupIntervalMs: t.groupIntervalMs ?? p?.groupIntervalMs ?? defaults.groupIntervalMs,
      repeatIntervalMs: t.repeatIntervalMs ?? p?.repeatIntervalMs ?? defaults.repeatIntervalMs,
    };
  };
  const groupByOf = (g: string[] | undefined) => (g?.includes('...') ? undefined : (g ?? []));

  let route: Route;
  if (config.route) {
    const build = (
      r: RouteInput,
      id: string,
      parent: { receiver?: string; groupBy?: string[]; t: Partial<Record<keyof typeof defaults, number>> },
    ): Route => {
      const receiver = r.receiver ?? parent.receiver;
      const groupBy = r.group_by ?? parent.groupBy;
      const t = {
        groupWaitMs: r.group_wait ?? parent.t.groupWaitMs,
        groupIntervalMs: r.group_interval ?? parent.t.groupIntervalMs,
        repeatIntervalMs: r.repeat_interval ?? parent.t.repeatIntervalMs,
      };
      return {
        id,
        receiver,
        matchers: [...equalityMatchers(r.match ?? {}), ...(r.matchers ?? [])],
        continue: r.continue ?? false,
        groupBy: groupByOf(groupBy),
        ...leaf(receiver, t),
        routes: (r.routes ?? []).map((c, i) => build(c, `${id}.${i}`, { receiver, groupBy, t })),
      };
    };
    route = build(config.route, '0', { t: {} });
  } else {
    // The guide's form: every channel whose match fits gets the alert; by default one group per alert name.
    route = {
      id: '0',
      matchers: [],
      continue: false,
      groupBy: ['alertname'],
      ...defaults,
      routes: config.notify.map((c, i) => ({
        id: `0.${i}`,
        receiver: c.name,
        matchers: [...equalityMatchers(c.match ?? {}), ...(c.matchers ?? [])],
        continue: true,
        groupBy: groupByOf(c.group_by ?? ['alertname']),
        ...leaf(c.name, {
          groupWaitMs: c.group_wait,
          groupIntervalMs: c.group_interval,
          repeatIntervalMs: c.repeat_interval,
        }),
        routes: [],
      })),
    };
  }
  return { channels, route, inhibit: config.inhibit_rules };
}

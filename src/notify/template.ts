import { createRequire } from 'node:module';
import type { Liquid, Template } from 'liquidjs';
import type { NotificationData } from './types.js';

/**
 * Every provider's title and body come from Liquid templates (LiquidJS): a
 * well-kept, sandboxed engine that cannot run code or reach the process, so a
 * template in vigil.yaml is safe to render. The context is the notification
 * data plus a few ready-made strings so the defaults stay readable.
 */
/**
 * A template is config, but config can be wrong: `{% for x in (1..30000000) %}`
 * blocked the daemon for ~50 s per render. LiquidJS's own DoS limits bound
 * parsing, render time and allocations; the output is bounded here.
 */
export const templateLimits = Object.freeze({
  /** characters of one template */
  parseChars: 65_536,
  /** milliseconds of one render (LiquidJS checks it while rendering) */
  renderMs: 250,
  /** LiquidJS's allocation count (ranges, joins, appends) of one render */
  memory: 10_000_000,
  /** characters of one rendered title or body */
  outputChars: 262_144,
});

// LiquidJS is loaded on the first template, not with the config schema: most CLI commands never
// render one, and loading it costs ~30 ms of every start-up. It is CommonJS, so a plain require.
let liquid: Liquid | undefined;
const engine = (): Liquid => {
  if (liquid) return liquid;
  const { Liquid: Engine } = createRequire(import.meta.url)('liquidjs') as typeof import('liquidjs');
  liquid = new Engine({
    parseLimit: templateLimits.parseChars,
    renderLimit: templateLimits.renderMs,
    memoryLimit: templateLimits.memory,
    strictFilters: true,
    ownPropertyOnly: true,
    cache: false,
    relativeReference: false,
    // No file access: {% include %} and {% render %} find nothing, so a template cannot read the disk.
    fs: {
      exists: async () => false,
      existsSync: () => false,
      readFile: async () => {
        throw new Error('templates cannot include files');
      },
      readFileSync: () => {
        throw new Error('templates cannot include files');
      },
      resolve: (_dir, file) => file,
    },
  });
  return liquid;
};
const parsed = new Map<string, Template[]>();

export const defaultTitle =
  '[{{ status | upcase }}{% if status == "firing" %}:{{ firing.size }}{% endif %}] {{ groupLabels.alertname | default: commonLabels.alertname | default: "alerts" }}{% if groupText != "" %} ({{ groupText }}){% endif %}';

export const defaultBody = `{% for a in alerts %}{% if a.status == "firing" %}FIRING{% else %}RESOLVED{% endif %} {{ a.labels.alertname }}{% if a.labelsText != "" %} {{ "{" }}{{ a.labelsText }}{{ "}" }}{% endif %}
{% if a.annotations.summary %}  {{ a.annotations.summary }}
{% endif %}{% if a.annotations.description %}  {{ a.annotations.description }}
{% endif %}  since {{ a.startsAt }}{% if a.status == "resolved" %}, resolved {{ a.endsAt }}{% endif %}
{% endfor %}{% if truncatedAlerts > 0 %}… and {{ truncatedAlerts }} more
{% endif %}`;

function compile(text: string): Template[] {
  let t = parsed.get(text);
  if (!t) {
    t = engine().parse(text);
    if (parsed.size > 1000) parsed.clear();
    parsed.set(text, t);
  }
  return t;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? String(e);
}

/** Renders one template within the limits; throws past them. */
function renderBounded(text: string, ctx: object): string {
  const out = engine().renderSync(compile(text), ctx) as string;
  if (out.length > templateLimits.outputChars) {
    throw new Error(
      `template output is ${out.length} characters, more than the limit of ${templateLimits.outputChars}`,
    );
  }
  return out;
}

const limitPattern = /limit exceeded|more than the limit/;

/**
 * What is wrong with a template, for `vigil validate`: a syntax error, or a
 * limit it exceeds when rendered for a sample notification. Undefined when fine.
 */
export function templateError(text: string): string | undefined {
  try {
    compile(text);
  } catch (e) {
    const msg = firstLine(e);
    return /parse length limit/.test(msg)
      ? `template is ${text.length} characters, more than the limit of ${templateLimits.parseChars}`
      : msg;
  }
  try {
    renderBounded(text, templateContext(sampleNotification));
  } catch (e) {
    // Other render errors may depend on the data; only a limit is certain to recur.
    const msg = firstLine(e);
    if (limitPattern.test(msg)) return `${msg} (rendering a sample notification)`;
  }
  return undefined;
}

const sampleNotification: NotificationData = {
  receiver: 'sample',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'Sample', severity: 'critical' },
      annotations: { summary: 'a sample alert' },
      startsAt: 0,
      endsAt: 0,
      generatorURL: '',
      fingerprint: 'sample',
    },
  ],
  groupLabels: { alertname: 'Sample' },
  commonLabels: { alertname: 'Sample', severity: 'critical' },
  commonAnnotations: { summary: 'a sample alert' },
  externalURL: '',
  groupKey: 'sample',
  truncatedAlerts: 0,
};

export function templateContext(data: NotificationData) {
  const labelsText = (labels: Record<string, string>, skip: string[]) =>
    Object.entries(labels)
      .filter(([k]) => !skip.includes(k))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
  const alerts = data.alerts.map((a) => ({
    ...a,
    startsAt: new Date(a.startsAt).toISOString(),
    endsAt: a.endsAt ? new Date(a.endsAt).toISOString() : '',
    labelsText: labelsText(a.labels, ['alertname']),
  }));
  return {
    ...data,
    alerts,
    firing: alerts.filter((a) => a.status === 'firing'),
    resolved: alerts.filter((a) => a.status === 'resolved'),
    groupText: labelsText(data.groupLabels, ['alertname']),
  };
}

/**
 * Title and body from the channel's templates; a template that fails to
 * render falls back to the default, so a typo never costs a page. The error
 * is returned for the caller to log.
 */
export function render(
  data: NotificationData,
  templates: { title?: string; body?: string },
): { title: string; body: string; errors: string[] } {
  const ctx = templateContext(data);
  // The defaults written out in code: what LiquidJS renders from them, without it (a fifth of the
  // CPU of queueing a notification went into rendering them).
  if (templates.title === undefined && templates.body === undefined)
    return { title: defaultTitleOf(ctx).trim(), body: defaultBodyOf(ctx), errors: [] };
  const errors: string[] = [];
  const one = (text: string | undefined, fallback: string) => {
    if (text !== undefined) {
      try {
        return renderBounded(text, ctx);
      } catch (e) {
        errors.push(firstLine(e));
      }
    }
    return engine().renderSync(compile(fallback), ctx) as string;
  };
  return { title: one(templates.title, defaultTitle).trim(), body: one(templates.body, defaultBody), errors };
}

type TemplateContext = ReturnType<typeof templateContext>;

/** A value as `{{ }}` prints it: an object's own property only, nothing for a missing one. */
function own(o: Record<string, unknown>, key: string): string | undefined {
  const v = Object.hasOwn(o, key) ? o[key] : undefined;
  return v === undefined || v === null ? undefined : String(v);
}

/** `defaultTitle`, as LiquidJS renders it (`default` replaces a missing or empty value). */
function defaultTitleOf(ctx: TemplateContext): string {
  const status = String(ctx.status);
  const count = status === 'firing' ? `:${ctx.firing.length}` : '';
  const name = own(ctx.groupLabels, 'alertname') || own(ctx.commonLabels, 'alertname') || 'alerts';
  const group = ctx.groupText !== '' ? ` (${ctx.groupText})` : '';
  return `[${status.toUpperCase()}${count}] ${name}${group}`;
}

/** `defaultBody`, as LiquidJS renders it (an empty annotation still counts as present there). */
function defaultBodyOf(ctx: TemplateContext): string {
  let out = '';
  for (const a of ctx.alerts) {
    out += `${a.status === 'firing' ? 'FIRING' : 'RESOLVED'} ${own(a.labels, 'alertname') ?? ''}`;
    if (a.labelsText !== '') out += ` {${a.labelsText}}`;
    out += '\n';
    const summary = own(a.annotations, 'summary');
    if (summary !== undefined) out += `  ${summary}\n`;
    const description = own(a.annotations, 'description');
    if (description !== undefined) out += `  ${description}\n`;
    out += `  since ${a.startsAt}`;
    if (a.status === 'resolved') out += `, resolved ${a.endsAt}`;
    out += '\n';
  }
  if (ctx.truncatedAlerts > 0) out += `… and ${ctx.truncatedAlerts} more\n`;
  return out;
}

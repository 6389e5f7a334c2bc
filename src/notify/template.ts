import { Liquid, type Template } from 'liquidjs';
import type { NotificationData } from './types.js';

/**
 * Every provider's title and body come from Liquid templates (LiquidJS): a
 * well-kept, sandboxed engine that cannot run code or reach the process, so a
 * template in vigil.yaml is safe to render. The context is the notification
 * data plus a few ready-made strings so the defaults stay readable.
 */
const engine = new Liquid({
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
    t = engine.parse(text);
    if (parsed.size > 1000) parsed.clear();
    parsed.set(text, t);
  }
  return t;
}

/** A syntax error in a template, for `vigil validate`; undefined when it parses. */
export function templateError(text: string): string | undefined {
  try {
    compile(text);
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

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
  const errors: string[] = [];
  const one = (text: string | undefined, fallback: string) => {
    if (text !== undefined) {
      try {
        return engine.renderSync(compile(text), ctx) as string;
      } catch (e) {
        errors.push((e as Error).message.split('\n')[0] ?? String(e));
      }
    }
    return engine.renderSync(compile(fallback), ctx) as string;
  };
  return { title: one(templates.title, defaultTitle).trim(), body: one(templates.body, defaultBody), errors };
}

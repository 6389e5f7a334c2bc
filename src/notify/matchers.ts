import { z } from 'zod';
import { compileMatchers } from '../metrics/promql/matchers.js';
import { compileAnchored } from '../metrics/promql/regex.js';
import type { Matcher, MatchType } from '../metrics/types.js';

const matcherText = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/**
 * One matcher as Alertmanager and amtool write it: `severity="critical"`,
 * `service=~"api|web"`, `env!=dev` (quotes optional). Regexes are anchored.
 */
export function parseMatcher(text: string): Matcher | string {
  const m = matcherText.exec(text);
  if (!m) return `"${text}" is not a matcher`;
  const [, name, type, raw] = m as unknown as [string, string, MatchType, string];
  let value = raw;
  if (raw.startsWith('"')) {
    try {
      value = JSON.parse(raw) as string;
    } catch {
      return `the value in "${text}" is not a quoted string`;
    }
  }
  if (type === '=~' || type === '!~') {
    try {
      compileAnchored(value);
    } catch (e) {
      return `bad regular expression in "${text}": ${(e as Error).message}`;
    }
  }
  return { name, type, value };
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.type}${JSON.stringify(m.value)}`;
}

/** A config field holding a list of matcher strings, parsed. */
export const matchersSchema = z.array(z.string()).transform((list, ctx) => {
  const out: Matcher[] = [];
  list.forEach((text, i) => {
    const m = parseMatcher(text);
    if (typeof m === 'string')
      ctx.addIssue({
        code: 'custom',
        path: [i],
        message: m,
        params: { hint: 'write matchers as name="value", name!="value", name=~"regex" or name!~"regex"' },
      });
    else out.push(m);
  });
  return out;
});

/** `match: {severity: critical}`, the short form: every label equal. */
export function equalityMatchers(match: Readonly<Record<string, string>>): Matcher[] {
  return Object.entries(match).map(([name, value]) => ({ name, type: '=' as const, value }));
}

export function matches(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return compileMatchers(matchers)(labels);
}

export { compileMatchers };

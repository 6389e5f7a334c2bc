import type { Labels, Matcher } from '../types.js';
import { compileAnchored } from './regex.js';

/** A compiled matcher: a missing label reads as the empty string, as in Prometheus. */
export type LabelPredicate = (value: string) => boolean;

export function compileMatcher(m: Matcher): LabelPredicate {
  switch (m.type) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~': {
      const re = compileAnchored(m.value);
      return (v) => re.test(v);
    }
    case '!~': {
      const re = compileAnchored(m.value);
      return (v) => !re.test(v);
    }
  }
}

/** Compiles a matcher list once for filtering many label sets. */
export function compileMatchers(matchers: readonly Matcher[]): (labels: Labels) => boolean {
  const compiled = matchers.map((m) => ({ name: m.name, test: compileMatcher(m) }));
  return (labels) => compiled.every((c) => c.test(labels[c.name] ?? ''));
}

import type { Labels, Matcher } from './types.js';

/**
 * One predicate for a list of label matchers, with Prometheus's rules: regexes
 * are fully anchored, and a missing label matches as the empty string.
 */
export function compileMatchers(matchers: readonly Matcher[]): (labels: Labels) => boolean {
  const tests = matchers.map((m): ((labels: Labels) => boolean) => {
    const get = (l: Labels) => l[m.name] ?? '';
    switch (m.type) {
      case '=':
        return (l) => get(l) === m.value;
      case '!=':
        return (l) => get(l) !== m.value;
      case '=~': {
        const re = new RegExp(`^(?:${m.value})$`, 's');
        return (l) => re.test(get(l));
      }
      default: {
        const re = new RegExp(`^(?:${m.value})$`, 's');
        return (l) => !re.test(get(l));
      }
    }
  });
  return (labels) => tests.every((t) => t(labels));
}

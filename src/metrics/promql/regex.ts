import { RE2JS } from 're2js';

/**
 * Prometheus regexes are RE2, fully anchored and with `.` matching newlines
 * (`^(?s:re)$`). They run on RE2JS, a port of RE2, so matching takes time
 * linear in the input whatever the pattern: `(a+)+$` against a long label
 * cannot freeze the daemon as a backtracking engine would. RE2's own syntax
 * (`(?i)`, `(?P<name>…)`, `\z`, `\Q…\E`, POSIX classes, `\pL`) comes with it,
 * and what RE2 refuses (lookaround, backreferences) is refused the same way.
 */

export class RegexSyntaxError extends Error {}

/** What matchers and label_replace need of a compiled regex. */
export interface AnchoredRegex {
  test(input: string): boolean;
  /** the match with its groups (`m[1]`, `m.groups.name`), or null */
  exec(input: string): RegExpExecArray | null;
}

const cache = new Map<string, AnchoredRegex>();

/**
 * What dashboards send most (`.*`, `.+`, Grafana's `a|b|c`) needs no regex
 * engine at all; answering it directly keeps a selector over thousands of
 * series as fast as it was on V8's engine.
 */
function fastPath(re: string): AnchoredRegex | undefined {
  const all = (ok: (s: string) => boolean): AnchoredRegex => ({
    test: ok,
    exec: (input) => (ok(input) ? (Object.assign([input], { index: 0, input }) as RegExpExecArray) : null),
  });
  if (re === '.*') return all(() => true);
  if (re === '.+') return all((s) => s.length > 0);
  if (!/^[A-Za-z0-9_:\-/ ,;@%=<>!~'"]*(\|[A-Za-z0-9_:\-/ ,;@%=<>!~'"]*)*$/.test(re)) return undefined;
  const words = new Set(re.split('|'));
  return all((s) => words.has(s));
}

/** Compiles `re` fully anchored with dot-all, as Prometheus matchers and label_replace do. */
export function compileAnchored(re: string): AnchoredRegex {
  const hit = cache.get(re);
  if (hit) return hit;
  const out = fastPath(re) ?? compileRe2(re);
  if (cache.size > 10_000) cache.clear();
  cache.set(re, out);
  return out;
}

function compileRe2(re: string): AnchoredRegex {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(`^(?:${re})$`, RE2JS.DOTALL);
  } catch (e) {
    throw new RegexSyntaxError(String((e as Error).message).replace(/^error parsing regexp: /, ''));
  }
  return {
    test: (input) => compiled.test(input),
    exec: (input) => compiled.exec(input) as RegExpExecArray | null,
  };
}

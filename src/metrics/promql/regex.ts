/**
 * Prometheus regexes are RE2, fully anchored and with `.` matching newlines
 * (`^(?s:re)$`). JavaScript's engine is close but not equal, so this module
 * translates the RE2 spellings people use (`(?i)` anywhere, `(?i:…)` groups,
 * `(?P<name>`, `\z`, `\Q…\E`, POSIX classes) and rejects what RE2 rejects
 * (lookaround, backreferences) instead of silently matching differently.
 */

export class RegexSyntaxError extends Error {}

const posixClasses: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function escapeLiteral(s: string, ci: boolean): string {
  let out = '';
  for (const ch of s)
    out += ci && /[a-z]/i.test(ch) ? bothCases(ch) : ch.replace(/[\\^$.*+?()[\]{}|/-]/, '\\$&');
  return out;
}

function bothCases(ch: string): string {
  return `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
}

/** Applies RE2 flags; only `i` (case folding) and `s` (always on for us) are supported. */
function parseFlags(flags: string, ci: boolean): boolean {
  let on = true;
  let result = ci;
  for (const f of flags) {
    if (f === '-') on = false;
    else if (f === 'i') result = on;
    else if (f !== 's') throw new RegexSyntaxError(`unsupported regexp flag: ${f}`);
  }
  return result;
}

/** Translates RE2 syntax to an equivalent JavaScript pattern and flags. */
export function translateRe2(re: string): { source: string; flags: string } {
  let flags = '';
  let i = 0;
  // A leading `(?i)` becomes the regex's own flag: simpler and faster than folding each letter.
  const lead = /^\(\?(i|is|si)\)/.exec(re);
  if (lead) {
    flags = 'i';
    i = lead[0].length;
  }
  let out = '';
  // One entry per open group: is case folding on inside it?
  const stack: boolean[] = [false];
  const ci = (): boolean => stack[stack.length - 1]!;
  while (i < re.length) {
    const c = re[i]!;
    if (c === '\\') {
      const e = re[i + 1];
      if (e === undefined) throw new RegexSyntaxError('trailing backslash at end of expression');
      if (/[1-9]/.test(e)) throw new RegexSyntaxError(`invalid escape sequence: \\${e}`);
      if (e === 'p' || e === 'P') throw new RegexSyntaxError('unicode classes (\\p) are not supported');
      if (e === 'Q') {
        const end = re.indexOf('\\E', i + 2);
        out += escapeLiteral(end < 0 ? re.slice(i + 2) : re.slice(i + 2, end), ci());
        i = end < 0 ? re.length : end + 2;
        continue;
      }
      if (e === 'z') out += '$';
      else if (e === 'A') out += '^';
      else if (ci() && /[a-zA-Z]/.test(e) && !/[dDwWsSbBfnrtvx0cuk]/.test(e)) out += bothCases(e);
      else out += c + e;
      i += 2;
      continue;
    }
    if (c === '[') {
      const [cls, next] = translateClass(re, i, ci());
      out += cls;
      i = next;
      continue;
    }
    if (c === '(' && re[i + 1] === '?') {
      const rest = re.slice(i + 2);
      const named = /^P?<(\w+)>/.exec(rest);
      if (named) {
        out += `(?<${named[1]}>`;
        stack.push(ci());
        i += 2 + named[0].length;
        continue;
      }
      if (/^(=|!|<=|<!)/.test(rest))
        throw new RegexSyntaxError('invalid or unsupported Perl syntax: lookaround');
      const fl = /^([a-zA-Z-]*)(:|\))/.exec(rest);
      if (!fl) throw new RegexSyntaxError(`invalid or unsupported Perl syntax: (?${rest.slice(0, 1)}`);
      const folded = parseFlags(fl[1]!, ci());
      if (fl[2] === ':') {
        out += '(?:';
        stack.push(folded);
      } else {
        stack[stack.length - 1] = folded;
      }
      i += 2 + fl[0].length;
      continue;
    }
    if (c === '(') stack.push(ci());
    if (c === ')' && stack.length > 1) stack.pop();
    out += ci() && /[a-zA-Z]/.test(c) ? bothCases(c) : c;
    i++;
  }
  return { source: out, flags };
}

function translateClass(re: string, start: number, ci: boolean): [string, number] {
  let i = start + 1;
  let out = '[';
  if (re[i] === '^') {
    out += '^';
    i++;
  }
  // In RE2 a `]` right after `[` or `[^` is a literal; in JavaScript `[]` is an empty class.
  if (re[i] === ']') {
    out += '\\]';
    i++;
  }
  while (i < re.length && re[i] !== ']') {
    const c = re[i]!;
    if (c === '[' && re[i + 1] === ':') {
      const m = /^\[:(\^?)([a-z]+):\]/.exec(re.slice(i));
      if (m && posixClasses[m[2]!]) {
        if (m[1]) throw new RegexSyntaxError('negated POSIX classes are not supported');
        out += posixClasses[m[2]!];
        i += m[0].length;
        continue;
      }
    }
    if (c === '\\') {
      const e = re[i + 1];
      if (e === undefined) throw new RegexSyntaxError('missing closing ]');
      if (e === 'p' || e === 'P') throw new RegexSyntaxError('unicode classes (\\p) are not supported');
      out += c + e;
      i += 2;
      continue;
    }
    const range = /^([a-zA-Z])-([a-zA-Z])/.exec(re.slice(i));
    if (ci && range) {
      const [lo, hi] = [range[1]!, range[2]!];
      out += `${lo}-${hi}${swapCase(lo)}-${swapCase(hi)}`;
      i += 3;
      continue;
    }
    if (c === '[') out += '\\[';
    else out += ci && /[a-zA-Z]/.test(c) ? c.toLowerCase() + c.toUpperCase() : c;
    i++;
  }
  if (i >= re.length) throw new RegexSyntaxError('missing closing ]');
  return [`${out}]`, i + 1];
}

function swapCase(c: string): string {
  return c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
}

const cache = new Map<string, RegExp>();

/** Compiles `re` fully anchored with dot-all, as Prometheus matchers and label_replace do. */
export function compileAnchored(re: string): RegExp {
  const hit = cache.get(re);
  if (hit) return hit;
  const { source, flags } = translateRe2(re);
  let compiled: RegExp;
  try {
    compiled = new RegExp(`^(?:${source})$`, `s${flags}`);
  } catch (e) {
    throw new RegexSyntaxError((e as Error).message);
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(re, compiled);
  return compiled;
}

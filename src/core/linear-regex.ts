import { RE2JS } from 're2js';

/**
 * Regular expressions that run on text from outside Vigil (an HTTP check's
 * body, log lines) must not be able to freeze the daemon: `(a+)+$` on thirty
 * `a`s and a `!` takes V8's backtracking engine minutes. Every pattern here
 * is accepted only if RE2 accepts it (so no lookaround and no backreferences,
 * which have no linear-time matcher) and then runs on the cheapest engine
 * that keeps matching linear in the text:
 *
 * - `literal`: a plain word or words separated by `|` (`ERROR|FATAL`): a
 *   substring search, no engine at all;
 * - `bounded`: no unbounded repetition and at most `maxPaths` ways through the
 *   pattern (`^\d{4}-\d\d`, `took \d{3}ms`, `user=(alice|bob)$`): V8's engine,
 *   which can then backtrack at most a constant number of times per position;
 * - `re2`: everything else (`.*`, `+`, nested repetition): RE2JS, linear in
 *   the text whatever the pattern, and 10-50× slower than V8 on easy patterns.
 */

export class LinearRegexError extends Error {}

export type RegexEngine = 'literal' | 'bounded' | 're2';

export interface LinearRegex {
  readonly source: string;
  readonly engine: RegexEngine;
  /** a match anywhere in `text` (`^` and `$` are the ends of `text`) */
  test(text: string): boolean;
  /**
   * The start of the first line at or after `from` in `text` (lines end at
   * `\n`, the last one may not) that holds a match, with `^` and `$` at the
   * line's ends; -1 if none.
   */
  findLine(text: string, from: number): number;
}

/** The most ways a `bounded` pattern may try at one position of the text. */
const maxPaths = 16;

const meta = /[\\^$.|?*+()[\]{}]/;

export function linearRegex(source: string): LinearRegex {
  ambiguous(source);
  let re2: RE2JS;
  try {
    // translateRegExp would read a named backreference as the letter k
    if (/\\k</.test(source)) throw new Error(`invalid escape sequence: \\k`);
    re2 = RE2JS.compile(RE2JS.translateRegExp(source));
  } catch (e) {
    throw new LinearRegexError(
      `${String((e as Error).message).replace(/^error parsing regexp: /, '')}${
        /\(\?<?[=!]|\\[1-9]|\\k</.test(source)
          ? ' (lookaround and backreferences are not supported: they have no linear-time matcher)'
          : ''
      }`,
    );
  }
  const words = source.split('|');
  if (!words.some((w) => w === '' || meta.test(w))) return literal(source, words);
  if (paths(source) <= maxPaths) {
    try {
      return bounded(source, new RegExp(source), new RegExp(source, 'gm'));
    } catch {
      // RE2 syntax V8 does not know, such as (?i): RE2 runs it
    }
  }
  return viaRe2(source, re2);
}

/**
 * Patterns are JavaScript syntax; a few escapes that JavaScript reads as the letter itself are
 * anchors or classes in RE2 (`\A`, `\z`, `\pL`, `\Q…\E`, `[[:alpha:]]`). Rather than let the two
 * engines answer differently, they are refused.
 */
function ambiguous(source: string): void {
  for (let i = 0; i < source.length; i++) {
    if (source[i] !== '\\') continue;
    const c = source[i + 1] ?? '';
    if ('AzZQECpPG'.includes(c) && c !== '')
      throw new LinearRegexError(
        `\\${c} means the letter ${c} in JavaScript but something else in RE2: write ^ or $ for an anchor, ${c} alone for the letter`,
      );
    i++;
  }
  if (source.includes('[[:'))
    throw new LinearRegexError('POSIX classes such as [[:alpha:]] are not JavaScript syntax: write [a-zA-Z]');
}

function literal(source: string, words: string[]): LinearRegex {
  const test = (text: string) => words.some((w) => text.includes(w));
  // Where each word next occurs in the text being scanned: a rare word is searched for once per
  // text, not again after every match of a common one.
  let scanned: string | undefined;
  const next = words.map(() => -1);
  return {
    source,
    engine: 'literal',
    test,
    findLine(text, from) {
      if (text !== scanned) {
        scanned = text;
        next.fill(-2);
      }
      let at = -1;
      for (let k = 0; k < words.length; k++) {
        if (next[k]! === -2 || (next[k]! >= 0 && next[k]! < from)) next[k] = text.indexOf(words[k]!, from);
        const i = next[k]!;
        if (i >= 0 && (at < 0 || i < at)) at = i;
      }
      return at < 0 ? -1 : lineStart(text, at);
    },
  };
}

function bounded(source: string, once: RegExp, lines: RegExp): LinearRegex {
  return {
    source,
    engine: 'bounded',
    test: (text) => once.test(text),
    findLine(text, from) {
      lines.lastIndex = from;
      const m = lines.exec(text);
      // an empty match after the last newline is no line
      return m && m.index < text.length ? lineStart(text, m.index) : -1;
    },
  };
}

function viaRe2(source: string, re2: RE2JS): LinearRegex {
  // A word every match contains (`timeout after ` in `timeout after \d+ms`) is looked for first,
  // by substring search: RE2JS then sees only the lines that hold it.
  const needle = requiredLiteral(source);
  return {
    source,
    engine: 're2',
    test: (text) => (needle === undefined || text.includes(needle)) && re2.test(text),
    findLine(text, from) {
      // line by line: RE2JS answers a short line much faster than it searches a long chunk
      for (let s = from; s < text.length; ) {
        if (needle !== undefined) {
          const i = text.indexOf(needle, s);
          if (i < 0) return -1;
          s = lineStart(text, i);
        }
        let e = text.indexOf('\n', s);
        if (e < 0) e = text.length;
        if (re2.test(e > s && text.charCodeAt(e - 1) === 13 ? text.slice(s, e - 1) : text.slice(s, e)))
          return s;
        s = e + 1;
      }
      return -1;
    },
  };
}

/**
 * The longest run of plain characters (at least 3) that every match of `source` contains: one
 * outside any group, alternation or optional repetition. None with flags such as (?i).
 */
export function requiredLiteral(source: string): string | undefined {
  if (/\(\?[a-zA-Z]*[):]/.test(source.replace(/\(\?:/g, ''))) return undefined;
  let best = '';
  let run = '';
  let depth = 0;
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    let lit: string | undefined;
    if (c === '\\') {
      const n = source[i + 1] ?? '';
      i++;
      if (/[^A-Za-z0-9]/.test(n)) lit = n;
      else if ('xuc0123456789pP'.includes(n)) break; // an escape with arguments: stop here
    } else if (c === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|') {
      if (depth === 0) return undefined;
    } else if ('*+?'.includes(c) || (c === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i)))) {
      // the character before is repeated: still required once with +, not at all otherwise
      if (c !== '+') run = run.slice(0, -1);
      if (c === '{') i = source.indexOf('}', i);
    } else if (!'^$.'.includes(c)) lit = c;
    if (lit === undefined || depth > 0) end();
    else run += lit;
  }
  end();
  return best.length >= 3 ? best : undefined;
}

/** the start of the line that holds position `at` */
function lineStart(text: string, at: number): number {
  return at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1;
}

/**
 * How many ways a backtracking engine can try to match `source` at one
 * position, from its syntax (which RE2 has already accepted): Infinity with an
 * unbounded repetition (`*`, `+`, `{n,}`), else the product of the choices of
 * alternations and bounded repetitions.
 */
function paths(source: string): number {
  let i = 0;
  const alt = (): number => {
    let total = seq();
    while (source[i] === '|') {
      i++;
      total += seq();
    }
    return total;
  };
  const seq = (): number => {
    let product = 1;
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      const atom = one();
      product *= repeat(atom);
      if (product > maxPaths) return Number.POSITIVE_INFINITY;
    }
    return product;
  };
  const one = (): number => {
    const c = source[i]!;
    if (c === '\\') {
      i += 2;
      return 1;
    }
    if (c === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      return 1;
    }
    if (c === '(') {
      i++;
      if (source[i] === '?') {
        // (?:…), (?<name>…), (?P<name>…), (?i)…: skip to the group's body
        const close = source.slice(i).search(/[:>)]/);
        if (close < 0) return Number.POSITIVE_INFINITY;
        const end = source[i + close];
        i += close + 1;
        if (end === ')') return Number.POSITIVE_INFINITY; // a flag group: leave it to RE2
      }
      const inner = alt();
      i++;
      return inner;
    }
    i++;
    return 1;
  };
  const repeat = (atom: number): number => {
    const c = source[i];
    let lo: number;
    let hi: number;
    if (c === '*' || c === '+') return Number.POSITIVE_INFINITY;
    if (c === '?') {
      i++;
      lo = 0;
      hi = 1;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (!m) return atom;
      i += m[0].length;
      lo = Number(m[1]);
      hi = m[2] === undefined ? lo : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    } else return atom;
    if (source[i] === '?') i++; // lazy: the same ways, tried in another order
    if (!Number.isFinite(hi)) return Number.POSITIVE_INFINITY;
    if (atom === 1) return hi - lo + 1;
    let ways = 0;
    for (let k = lo; k <= hi && ways <= maxPaths; k++) ways += atom ** k;
    return ways;
  };
  const n = alt();
  return i < source.length ? Number.POSITIVE_INFINITY : n;
}

/**
 * Text fixes applied before lezer parses an expression, each keeping every
 * character offset where the user wrote it (we only ever blank a character).
 *
 * The operations guide writes thresholds as `cpu_usage > 80%`, meaning 0.8.
 * Before lezer sees the text we blank each such `%` with a space (so every
 * other offset stays where the user wrote it) and remember where the number
 * starts, so the tree walk can divide that literal by 100.
 *
 * A `%` is a percent sign only when it immediately follows a number literal and
 * no operand follows it: the text ends, or a `)`/`,`/`]`/`}` or another operator
 * comes next, or whitespace and then an operator, keyword or the end.
 * `a % b` and `5 % 2` stay modulo.
 */

const keywordAfter =
  /^(and|or|unless|bool|on|ignoring|group_left|group_right|offset|atan2|by|without)(?![\w:])/;

export interface PercentScan {
  text: string;
  /** offsets where a percent number literal starts */
  starts: Set<number>;
}

/**
 * Also rewrites a number with a trailing dot (`2.`), which PromQL accepts but
 * the lezer grammar does not, by blanking the dot: the value is the same.
 */
export function preprocess(expr: string, percentLiterals: boolean): PercentScan {
  const starts = new Set<number>();
  const out = expr.split('');
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(expr, i);
      continue;
    }
    if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
      continue;
    }
    if (isIdentChar(c)) {
      const begin = i;
      const numberStart = /[0-9.]/.test(c) && !(i > 0 && isIdentChar(expr[i - 1]!));
      const m = numberStart ? /^(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?/.exec(expr.slice(i)) : null;
      if (m && /^\d+\.$/.test(m[0]) && !/[\w.]/.test(expr[i + m[0].length] ?? '')) {
        out[i + m[0].length - 1] = ' ';
      }
      if (percentLiterals && m && m[0].length > 0 && expr[i + m[0].length] === '%') {
        const pct = i + m[0].length;
        if (noOperandAfter(expr, pct + 1)) {
          starts.add(begin);
          out[pct] = ' ';
          i = pct + 1;
          continue;
        }
      }
      while (i < expr.length && isIdentChar(expr[i]!)) i++;
      continue;
    }
    i++;
  }
  return { text: out.join(''), starts };
}

function isIdentChar(c: string): boolean {
  return /[\w:.]/.test(c);
}

function skipString(s: string, i: number): number {
  const q = s[i];
  let j = i + 1;
  while (j < s.length && s[j] !== q) {
    if (s[j] === '\\' && q !== '`') j++;
    j++;
  }
  return j + 1;
}

function noOperandAfter(s: string, i: number): boolean {
  const next = s[i];
  if (next === undefined) return true;
  if (/[),\]}]/.test(next)) return true;
  // `%+5` / `%-5` is valid modulo by a signed operand; any other operator cannot follow modulo.
  if (/[*/^=!<>%@]/.test(next)) return true;
  if (!/\s/.test(next)) return false;
  let j = i;
  while (j < s.length && /\s/.test(s[j]!)) j++;
  const rest = s.slice(j);
  return rest === '' || /^[),\]}+\-*/^=!<>%@#]/.test(rest) || keywordAfter.test(rest);
}

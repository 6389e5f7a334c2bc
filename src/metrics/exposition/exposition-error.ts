/**
 * Why an exposition could not be read: where (1-based line and column), what
 * the format wanted there, and what was there instead. The parser throws
 * nothing else, whatever the input.
 *
 * @example
 *   try { parseExposition('up{job=web} 1') }
 *   catch (e) { if (e instanceof ExpositionError) e.message }
 *   // 'line 1, column 8: expected a label value in double quotes, found "web" in: up{job=web} 1'
 */
export class ExpositionError extends Error {
  override readonly name = 'ExpositionError';
  readonly line: number;
  readonly column: number;
  readonly expected: string;
  /** a short quote of what stood at `column`, or "end of line" / "end of input" */
  readonly found: string;
  /** the offending line, cut to at most 80 characters around the column */
  readonly excerpt: string;

  constructor(line: number, column: number, expected: string, found: string, excerpt: string) {
    const crlf = found.includes('\\r') ? ' (lines must end with "\\n" alone, not "\\r\\n")' : '';
    super(`line ${line}, column ${column}: expected ${expected}, found ${found}${crlf} in: ${excerpt}`);
    this.line = line;
    this.column = column;
    this.expected = expected;
    this.found = found;
    this.excerpt = excerpt;
  }
}

/** A name for a message, cut short: a target chooses how long its names are. */
export const short = (name: string): string => (name.length > 40 ? `${name.slice(0, 40)}…` : name);

const maxExcerpt = 80;
const maxFound = 24;

/**
 * Build the error for position `at` of the line [lineStart, eol) of `text`.
 * Only runs on failure, so it may be as slow as it likes.
 */
export function expositionError(
  text: string,
  line: number,
  lineStart: number,
  eol: number,
  at: number,
  expected: string,
): ExpositionError {
  const found =
    at >= text.length
      ? 'end of input'
      : at >= eol
        ? 'end of line'
        : JSON.stringify(quoteFrom(text, at, eol)).replace(/\\u0000/g, '\\0');
  let from = lineStart;
  let to = eol;
  if (to - from > maxExcerpt) {
    from = Math.max(lineStart, Math.min(at - maxExcerpt / 2, eol - maxExcerpt));
    to = Math.min(eol, from + maxExcerpt);
  }
  const excerpt = `${from > lineStart ? '…' : ''}${text.slice(from, to)}${to < eol ? '…' : ''}`;
  return new ExpositionError(line, at - lineStart + 1, expected, found, excerpt);
}

/** The token at `at`: up to the next blank or delimiter, at least one character. */
function quoteFrom(text: string, at: number, eol: number): string {
  let end = at + 1;
  while (end < eol && end - at < maxFound) {
    const c = text.charCodeAt(end);
    if (c === 32 || c === 9 || c === 44 || c === 61 || c === 123 || c === 125) break;
    end++;
  }
  return text.slice(at, end);
}

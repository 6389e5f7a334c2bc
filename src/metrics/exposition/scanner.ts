import { expositionError, short } from './exposition-error.js';
import { fnvOffset, fnvPrime, Interner } from './interner.js';

const NAME_START = 1; // [a-zA-Z_:]
const NAME = 2; // [a-zA-Z0-9_:]
const LABEL_START = 4; // [a-zA-Z_]
const LABEL = 8; // [a-zA-Z0-9_]
const charClass = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[a-zA-Z_]/.test(ch)) charClass[c] = NAME_START | NAME | LABEL_START | LABEL;
  else if (ch === ':') charClass[c] = NAME_START | NAME;
  else if (/[0-9]/.test(ch)) charClass[c] = NAME | LABEL;
}
export const isNameStart = (c: number): boolean => c < 128 && (charClass[c]! & NAME_START) !== 0;
export const isNameChar = (c: number): boolean => c < 128 && (charClass[c]! & NAME) !== 0;

const maxValues = 100_000;
/** past this many labels in one sample, duplicates are looked up in a Set */
const manyLabels = 16;

/**
 * The tokens of an exposition held in one string, read by char code within
 * the current line [lineStart, eol): names, quoted strings, label sets. The
 * driver in `parse.ts` sets the line; `SampleReader` reads sample lines; both
 * raise every syntax error through `fail`, with its position.
 *
 * Speed comes from: one `indexOf('\n')` per line (no split); names interned
 * by a hash computed while validating them (no substring for a name seen
 * before); each label pair first compared, natively, with the previous
 * sample's pair at the same place; label values sliced after one
 * `indexOf('"')` when the line holds no backslash (found through a cached
 * next-backslash position, so the input is searched for backslashes once);
 * repeated label values kept once.
 */
export class Scanner {
  line = 0;
  lineStart = 0;
  /** index of the "\n" that ends the line, or the text's length */
  eol = 0;
  /** where the last token read ended */
  after = 0;
  private nextBackslash = -1;
  private readonly names = new Interner(12);
  private readonly labelNames = new Interner(8);
  private readonly quotedNames = new Map<string, string>();
  private readonly values = new Map<string, string>();
  /** the label names of the sample being read, in order; then the previous sample's */
  private readonly seen: string[] = [];
  /** `name="` of the previous sample's k-th label, when it was a bare name */
  private readonly predictedEq: (string | undefined)[] = [];
  /** the previous sample's k-th label value, when it had no escapes */
  private readonly predictedValue: (string | undefined)[] = [];
  /** whether the last `readString` found no escapes */
  private plain = false;
  /** a metric name written as the first, quoted, item in the braces (Prometheus 3 UTF-8 names) */
  protected quotedName: string | undefined = undefined;

  constructor(
    readonly text: string,
    readonly om: boolean,
  ) {}

  fail(at: number, expected: string): never {
    throw expositionError(this.text, this.line, this.lineStart, this.eol, at, expected);
  }

  skipBlanks(i: number): number {
    const text = this.text;
    const eol = this.eol;
    while (i < eol) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9) break;
      i++;
    }
    return i;
  }

  /** Where the token at `i` ends: the next space (or tab, when `tabs`), or the end of the line. */
  tokenEnd(i: number, tabs: boolean): number {
    const text = this.text;
    const eol = this.eol;
    while (i < eol) {
      const c = text.charCodeAt(i);
      if (c === 32 || (tabs && c === 9)) break;
      i++;
    }
    return i;
  }

  /** The first backslash at or after `i` (or the text's length): the input is searched once. */
  backslashFrom(i: number): number {
    if (this.nextBackslash < i) {
      const at = this.text.indexOf('\\', i);
      this.nextBackslash = at < 0 ? this.text.length : at;
    }
    return this.nextBackslash;
  }

  /** A metric name starting at `i`, which the caller checked is a name-start character. */
  readName(i: number): string {
    const text = this.text;
    const eol = this.eol;
    const start = i;
    let h = fnvOffset;
    while (i < eol) {
      const c = text.charCodeAt(i);
      if (c >= 128 || (charClass[c]! & NAME) === 0) break;
      h = Math.imul(h ^ c, fnvPrime);
      i++;
    }
    this.after = i;
    return this.names.get(text, start, i, h);
  }

  /** `s` as the very string `readName` returns for it, so a later `===` is a pointer comparison. */
  internName(s: string): string {
    let h = fnvOffset;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), fnvPrime);
    return this.names.get(s, 0, s.length, h);
  }

  /** A metric name in a HELP/TYPE/UNIT line: bare, or quoted (Prometheus 3). */
  readMetaName(i: number, after: string): string {
    const c = i < this.eol ? this.text.charCodeAt(i) : -1;
    if (isNameStart(c)) return this.readName(i);
    if (c === 34) return this.internQuoted(i, this.readString(i + 1));
    return this.fail(i, `a metric name after ${after}`);
  }

  /**
   * A double-quoted string whose opening quote is just before `i`, unescaped:
   * `\\`, `\"` and `\n` are decoded; any other escape is kept as written, as
   * Prometheus does. A string cannot span lines.
   */
  readString(i: number): string {
    const text = this.text;
    const q = text.indexOf('"', i);
    if (q >= 0 && q < this.eol && this.backslashFrom(i) > q) {
      this.after = q + 1;
      this.plain = true;
      return this.dedupe(text.slice(i, q));
    }
    this.plain = false;
    const eol = this.eol;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= eol) return this.fail(i, "a closing '\"'");
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        if (i + 1 >= eol) return this.fail(i + 1, 'an escaped character after "\\"');
        const e = text.charCodeAt(i + 1);
        const decoded = e === 92 ? '\\' : e === 34 ? '"' : e === 110 ? '\n' : undefined;
        if (decoded !== undefined) {
          out += text.slice(from, i) + decoded;
          from = i + 2;
        }
        i += 2;
      } else i++;
    }
    this.after = i + 1;
    return out + text.slice(from, i);
  }

  private internQuoted(at: number, name: string): string {
    if (name === '') this.fail(at, 'a non-empty name in the quotes');
    let interned = this.quotedNames.get(name);
    if (interned === undefined) {
      interned = name;
      this.quotedNames.set(name, name);
    }
    return interned;
  }

  /**
   * The label set whose "{" is just before `i`. A quoted string followed by ","
   * or "}" is the metric name (Prometheus 3 UTF-8 syntax), allowed only when
   * `nameAllowed`; it is left in `quotedName`.
   *
   * Consecutive series mostly share label names and many values (exporters
   * sort series; a histogram's buckets differ only in `le`), so the k-th pair
   * is first compared, natively, with the previous sample's k-th pair.
   */
  readLabels(i: number, nameAllowed: boolean): Record<string, string> {
    const text = this.text;
    const eol = this.eol;
    const om = this.om;
    const seen = this.seen;
    const predictedEq = this.predictedEq;
    const predictedValue = this.predictedValue;
    const labels: Record<string, string> = {};
    let n = 0;
    let many: Set<string> | undefined;
    this.quotedName = undefined;
    for (;;) {
      if (!om) i = this.skipBlanks(i);
      const nameAt = i;
      let name: string;
      let value: string;
      const eq = predictedEq[n];
      if (eq !== undefined && text.startsWith(eq, i)) {
        name = seen[n]!;
        i += eq.length;
        const v = predictedValue[n];
        if (v !== undefined && text.startsWith(v, i) && text.charCodeAt(i + v.length) === 34) {
          value = v;
          i += v.length + 1;
        } else {
          value = this.readString(i);
          i = this.after;
          predictedValue[n] = this.plain ? value : undefined;
        }
      } else {
        let c = i < eol ? text.charCodeAt(i) : -1;
        if (c === 125) {
          this.after = i + 1;
          return labels;
        }
        if (c >= 0 && c < 128 && (charClass[c]! & LABEL_START) !== 0) {
          let h = fnvOffset;
          do {
            h = Math.imul(h ^ c, fnvPrime);
            c = ++i < eol ? text.charCodeAt(i) : -1;
          } while (c >= 0 && c < 128 && (charClass[c]! & LABEL) !== 0);
          name = this.labelNames.get(text, nameAt, i, h);
        } else if (c === 34) {
          name = this.internQuoted(nameAt, this.readString(i + 1));
          i = om ? this.after : this.skipBlanks(this.after);
          c = i < eol ? text.charCodeAt(i) : -1;
          if (c === 44 || c === 125) {
            if (!nameAllowed || this.quotedName !== undefined) {
              this.fail(nameAt, 'a label name (the metric name is already given)');
            }
            this.quotedName = name;
            if (c === 44) i++;
            continue;
          }
        } else {
          return this.fail(
            i,
            n === 0 && this.quotedName === undefined ? 'a label name or "}"' : 'a label name',
          );
        }
        if (!om) i = this.skipBlanks(i);
        if (i >= eol || text.charCodeAt(i) !== 61)
          this.fail(i, `"=" after the label name ${JSON.stringify(short(name))}`);
        if (!om) i = this.skipBlanks(i + 1);
        else i++;
        if (i >= eol || text.charCodeAt(i) !== 34) this.fail(i, 'a label value in double quotes');
        value = this.readString(i + 1);
        i = this.after;
        if (name === '__name__')
          this.fail(nameAt, 'a label name other than __name__ (write the metric name)');
        predictedEq[n] = text.charCodeAt(nameAt) === 34 ? undefined : `${name}="`;
        predictedValue[n] = this.plain ? value : undefined;
      }
      if (n < manyLabels) {
        for (let k = 0; k < n; k++) {
          if (seen[k] === name)
            this.fail(nameAt, `each label name once per sample, but ${short(name)} repeats`);
        }
      } else {
        // A hostile target may send thousands of labels on a line: stay linear.
        if (n === manyLabels) many = new Set(seen.slice(0, n));
        if (many!.has(name)) this.fail(nameAt, `each label name once per sample, but ${short(name)} repeats`);
        many!.add(name);
      }
      seen[n++] = name;
      if (name === '__proto__') {
        Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
      } else labels[name] = value;

      let c = i < eol ? text.charCodeAt(i) : -1;
      if (!om && (c === 32 || c === 9)) {
        i = this.skipBlanks(i);
        c = i < eol ? text.charCodeAt(i) : -1;
      }
      if (c === 44) i++;
      else if (c === 125) {
        // The next sample most likely ends here too: let it see the "}" without comparing a pair.
        if (n < predictedEq.length) predictedEq[n] = undefined;
        this.after = i + 1;
        return labels;
      } else if (om || !(c === 34 || (c >= 0 && c < 128 && (charClass[c]! & LABEL_START) !== 0))) {
        // Prometheus's text parser reads `{a="1" b="2"}` without the comma; so do we,
        // rather than fail a target that Prometheus scrapes. OpenMetrics needs it.
        this.fail(i, '"," or "}" after the label value');
      }
    }
  }

  /**
   * One string per distinct label value, up to `maxValues` of them: label
   * values repeat (namespaces, methods, codes, `le`), and a parsed
   * exposition that keeps one copy of each costs the garbage collector far
   * less than one that keeps a string per sample.
   */
  private dedupe(value: string): string {
    const known = this.values.get(value);
    if (known !== undefined) return known;
    if (this.values.size < maxValues) this.values.set(value, value);
    return value;
  }
}

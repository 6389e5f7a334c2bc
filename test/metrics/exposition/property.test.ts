import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ExpositionError,
  type ExpositionFormat,
  type ExpositionSample,
  parseExposition,
} from '../../../src/metrics/exposition/parse.js';
import { formatSample } from './format.js';

const valid = [
  '# HELP http_requests_total The total number of HTTP requests.',
  '# TYPE http_requests_total counter',
  'http_requests_total{method="post",code="200"} 1027 1395066363000',
  'http_requests_total{method="post",code="400"} 3 1395066363000',
  'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
  '# TYPE h histogram',
  'h_bucket{le="0.05"} 24054',
  'h_bucket{le="+Inf"} 144320 # {trace_id="abc"} 0.04 1520879607.789',
  'h_sum 53423',
  'h_count 144320',
  '{"utf8.name",a="b"} NaN',
  '# EOF',
].join('\n');

/** Characters that matter to the grammar, weighted towards them, plus anything at all. */
const char = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...'{}="\\,# \t\n:_aeEnN01.+-_xIf'.split('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const garbage = fc.string({ unit: char, maxLength: 200 });

/** A valid exposition with a few characters replaced, inserted or deleted. */
const mutated = fc
  .array(fc.tuple(fc.nat(valid.length), fc.constantFrom('replace', 'insert', 'delete'), char), {
    minLength: 1,
    maxLength: 4,
  })
  .map((edits) => {
    let text = valid;
    for (const [at, op, c] of edits) {
      const i = Math.min(at, text.length);
      text = text.slice(0, i) + (op === 'delete' ? '' : c) + text.slice(op === 'insert' ? i : i + 1);
    }
    return text;
  });

const formats: ExpositionFormat[] = ['prometheus', 'openmetrics'];

/** Parses or throws an ExpositionError; anything else fails the property. */
function parsesOrExplains(text: string, format: ExpositionFormat): void {
  try {
    parseExposition(text, { format });
  } catch (e) {
    if (!(e instanceof ExpositionError)) throw e;
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.line).toBeLessThanOrEqual(text.split('\n').length + 1);
    expect(e.column).toBeGreaterThanOrEqual(1);
    expect(e.message.length).toBeLessThan(400);
  }
}

describe('the parser on any input', () => {
  it('never throws anything but ExpositionError, with a line that exists, on random text', () => {
    fc.assert(
      fc.property(garbage, fc.constantFrom(...formats), (text, format) => parsesOrExplains(text, format)),
      { numRuns: 3000 },
    );
  });

  it('never throws anything but ExpositionError on a valid exposition with a few edits', () => {
    fc.assert(
      fc.property(mutated, fc.constantFrom(...formats), (text, format) => parsesOrExplains(text, format)),
      { numRuns: 3000 },
    );
  });

  it('accepts the unedited exposition in both formats', () => {
    expect(parseExposition(valid, { format: 'openmetrics' }).samples).toHaveLength(8);
    expect(() => parseExposition(valid)).toThrow(/line 8, column 28: expected a timestamp in integer/);
  });
});

const name = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
const labelName = fc
  .stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/)
  .filter((n) => n !== '__name__' && n !== 'le' && n !== 'quantile');
const labelValue = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\\', '"', '\n', 'n', ','),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 12,
});
const sample: fc.Arbitrary<ExpositionSample> = fc.record({
  name,
  labels: fc.dictionary(labelName, labelValue, { maxKeys: 6 }),
  value: fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, 1e21, 5e-324)),
  timestampMs: fc.option(fc.integer({ min: -1e13, max: 1e13 }), { nil: undefined }),
});

describe('writing samples and reading them back', () => {
  it('gives the same names, labels (escapes included), values and timestamps', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 20 }), (written) => {
        const text = written.map(formatSample).join('');
        const read = parseExposition(text).samples;
        expect(read).toHaveLength(written.length);
        read.forEach((r, i) => {
          const w = written[i]!;
          expect(r.name).toBe(w.name);
          expect(r.labels).toEqual(w.labels);
          expect(Object.is(r.value, w.value)).toBe(true);
          expect(r.timestampMs).toBe(w.timestampMs);
        });
      }),
      { numRuns: 500 },
    );
  });
});

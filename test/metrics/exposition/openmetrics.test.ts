import { describe, expect, it } from 'vitest';
import {
  ExpositionError,
  type ParseOptions,
  parseExposition,
} from '../../../src/metrics/exposition/parse.js';

const om = (text: string, options: ParseOptions = {}) =>
  parseExposition(text, { format: 'openmetrics', ...options });

function errorOf(text: string): ExpositionError {
  try {
    om(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ExpositionError);
    return e as ExpositionError;
  }
  throw new Error(`parsed without error: ${JSON.stringify(text)}`);
}

const counter = [
  '# TYPE requests counter',
  '# UNIT requests ',
  '# HELP requests Requests \\"served\\"\\n\\\\ so far.',
  'requests_total{code="200"} 1027 1700000000.125',
  'requests_created{code="200"} 1699990000.5',
  '# EOF',
  '',
].join('\n');

describe('OpenMetrics 1.0 text', () => {
  it('reads families by their name without _total, and samples by their own names', () => {
    const e = om(counter);
    expect(e.format).toBe('openmetrics');
    expect(e.families.get('requests')).toEqual({
      name: 'requests',
      type: 'counter',
      unit: '',
      help: 'Requests "served"\n\\ so far.',
    });
    expect(e.samples).toEqual([
      { name: 'requests_total', labels: { code: '200' }, value: 1027, timestampMs: 1700000000125 },
      { name: 'requests_created', labels: { code: '200' }, value: 1699990000.5, timestampMs: undefined },
    ]);
  });

  it('drops _created series of counters, histograms and summaries on request, and no others', () => {
    const text = [
      '# TYPE c counter',
      'c_total 1',
      'c_created 1',
      '# TYPE h histogram',
      'h_bucket{le="+Inf"} 1',
      'h_created 1',
      '# TYPE s summary',
      's_count 1',
      's_created 1',
      '# TYPE g gauge',
      'g_created 1',
      '# EOF',
    ].join('\n');
    expect(om(text).samples).toHaveLength(7);
    expect(om(text, { skipCreatedSeries: true }).samples.map((s) => s.name)).toEqual([
      'c_total',
      'h_bucket',
      's_count',
      'g_created',
    ]);
  });

  it('reads every OpenMetrics type and the unit', () => {
    const types = [
      'counter',
      'gauge',
      'histogram',
      'gaugehistogram',
      'summary',
      'info',
      'stateset',
      'unknown',
    ];
    const e = om(
      `${types.map((t, i) => `# TYPE m${i} ${t}\n`).join('')}# TYPE d_seconds gauge\n# UNIT d_seconds seconds\n# EOF\n`,
    );
    expect([...e.families.values()].map((f) => f.type)).toEqual([...types, 'gauge']);
    expect(e.families.get('d_seconds')?.unit).toBe('seconds');
  });

  it('rejects untyped, a unit that does not end the name, and metadata without its space', () => {
    expect(errorOf('# TYPE m untyped\n# EOF\n').expected).toMatch(
      /^a type: counter, gauge, histogram, gaugehistogram/,
    );
    expect(errorOf('# TYPE m_bytes gauge\n# UNIT m_bytes seconds\n# EOF\n')).toMatchObject({
      line: 2,
      expected: 'a unit that ends the metric name (m_bytes does not end in _seconds)',
    });
    expect(errorOf('# UNIT mseconds seconds\n# EOF\n').expected).toMatch(/does not end in _seconds/);
    expect(errorOf('# HELP m\n# EOF\n').expected).toBe('one space and the help text');
    expect(errorOf('# TYPE m  counter\n# EOF\n').expected).toMatch(/^a type/);
  });

  it('reads timestamps in seconds, to the millisecond', () => {
    const ts = (t: string) => om(`m 1 ${t}\n# EOF\n`).samples[0]!.timestampMs;
    expect(ts('1700000000')).toBe(1700000000000);
    expect(ts('1.001')).toBe(1001);
    expect(ts('-1.5')).toBe(-1500);
    expect(ts('1.7e9')).toBe(1700000000000);
    for (const bad of ['NaN', '+Inf', 'x']) {
      expect(errorOf(`m 1 ${bad}\n# EOF\n`).expected).toBe(
        'a timestamp in seconds (e.g. 1700000000.123), or end of line',
      );
    }
  });

  it('checks and skips exemplars after the value or the timestamp', () => {
    const e = om(
      [
        '# TYPE h histogram',
        'h_bucket{le="0.5"} 3 # {trace_id="KOO5S4vxi0o"} 0.67',
        'h_bucket{le="+Inf"} 4 1520879607.789 # {trace_id="oHg5SJYRHA0",span=""} 9.8 1520879607.789',
        'h_count 4 # {} 1',
        '# EOF',
      ].join('\n'),
    );
    expect(e.samples.map((s) => [s.name, s.labels, s.value, s.timestampMs])).toEqual([
      ['h_bucket', { le: '0.5' }, 3, undefined],
      ['h_bucket', { le: '+Inf' }, 4, 1520879607789],
      ['h_count', {}, 4, undefined],
    ]);
    expect(errorOf('m 1 # trace 1\n# EOF\n').expected).toBe('an exemplar " # {…} value"');
    expect(errorOf('m 1 # {a="b"}\n# EOF\n').expected).toBe('one space and the exemplar value');
    expect(errorOf('m 1 # {a="b"} x\n# EOF\n').expected).toBe('a number as the exemplar value');
    expect(errorOf('m 1 # {a="b"} 1 2 3\n# EOF\n').expected).toBe('end of line after the exemplar');
    expect(errorOf('m 1 # {"q"} 1\n# EOF\n').expected).toMatch(/^a label name/);
  });

  it('must end with # EOF, optionally followed by one newline and nothing else', () => {
    expect(om('m 1\n# EOF').samples).toHaveLength(1);
    expect(om('# EOF\n').samples).toEqual([]);
    expect(errorOf('')).toMatchObject({ line: 1, expected: '"# EOF" as the last line of OpenMetrics text' });
    expect(errorOf('m 1\n')).toMatchObject({ line: 2, found: 'end of input' });
    expect(errorOf('# EOF\n\n')).toMatchObject({ line: 2, expected: 'end of input after "# EOF"' });
    expect(errorOf('# EOF\nm 1\n')).toMatchObject({ line: 2, expected: 'end of input after "# EOF"' });
  });

  it('has no blank lines, no other comments and no leading or extra whitespace', () => {
    expect(errorOf('m 1\n\n# EOF\n')).toMatchObject({
      line: 2,
      expected: expect.stringMatching(/no blank lines/),
    });
    expect(errorOf('# a comment\n# EOF\n').expected).toMatch(/no other comments/);
    expect(errorOf('#EOF\n').expected).toMatch(/no other comments/);
    expect(errorOf(' m 1\n# EOF\n').expected).toMatch(/^a metric name/);
    expect(errorOf('m  1\n# EOF\n').expected).toMatch(/^a number as the value/);
    expect(errorOf('m\t1\n# EOF\n').expected).toBe('one space and the value');
    expect(errorOf('m 1 \n# EOF\n').found).toBe('end of line');
    expect(errorOf('m 1\t\n# EOF\n').expected).toBe('one space, or end of line');
    expect(errorOf('m {a="1"} 1\n# EOF\n').expected).toMatch(/^a number as the value/);
    expect(errorOf('m{a="1", b="2"} 1\n# EOF\n').expected).toBe('a label name');
    expect(errorOf('m{a = "1"} 1\n# EOF\n').expected).toBe('"=" after the label name "a"');
    expect(errorOf('m{a="1" b="2"} 1\n# EOF\n').expected).toBe('"," or "}" after the label value');
  });

  it('accepts a trailing comma in a label set, as Prometheus does', () => {
    expect(om('m{a="1",} 1\n# EOF\n').samples[0]!.labels).toEqual({ a: '1' });
  });

  it('reports the line of an error', () => {
    const e = errorOf(`${counter.replace('# EOF\n', '')}requests_total{code="500"} one\n# EOF\n`);
    expect([e.line, e.column, e.found]).toEqual([6, 28, '"one"']);
  });
});

import { describe, expect, it } from 'vitest';
import { ExpositionError, formatOf, parseExposition } from '../../../src/metrics/exposition/parse.js';

const samples = (text: string) => parseExposition(text).samples;
const one = (text: string) => {
  const s = samples(text);
  expect(s).toHaveLength(1);
  return s[0]!;
};
const value = (v: string) => one(`m ${v}\n`).value;

/** The ExpositionError a text raises, checked to be one. */
function errorOf(text: string, format: 'prometheus' | 'openmetrics' = 'prometheus'): ExpositionError {
  try {
    parseExposition(text, { format });
  } catch (e) {
    expect(e).toBeInstanceOf(ExpositionError);
    return e as ExpositionError;
  }
  throw new Error(`parsed without error: ${JSON.stringify(text)}`);
}

describe('text format 0.0.4: samples', () => {
  it('reads a name, labels, a value and an optional timestamp', () => {
    expect(samples('up 1\nhttp_requests_total{method="post",code="200"} 1027 1395066363000\n')).toEqual([
      { name: 'up', labels: {}, value: 1, timestampMs: undefined },
      {
        name: 'http_requests_total',
        labels: { method: 'post', code: '200' },
        value: 1027,
        timestampMs: 1395066363000,
      },
    ]);
  });

  it('accepts colons in metric names, not in label names', () => {
    expect(one('job:rate5m:sum{a_1="x"} 2').name).toBe('job:rate5m:sum');
    expect(errorOf('m{a:b="x"} 1').expected).toBe('"=" after the label name "a"');
  });

  it('accepts empty braces, a trailing comma and an empty label value', () => {
    expect(one('m{} 1').labels).toEqual({});
    expect(one('m{a="1",} 1').labels).toEqual({ a: '1' });
    expect(one('m{a=""} 1').labels).toEqual({ a: '' });
  });

  it('accepts a missing comma between labels, as Prometheus does', () => {
    expect(one('m{a="1" b="2"} 1').labels).toEqual({ a: '1', b: '2' });
  });

  it('allows blanks (spaces and tabs) around every token, and no blank before the value after "}"', () => {
    expect(one(' \t m \t{ a \t= "1" , b="2" \t} \t 3 \t 1000 \t').labels).toEqual({ a: '1', b: '2' });
    expect(one('m{a="1"}3')).toMatchObject({ labels: { a: '1' }, value: 3 });
  });

  it('skips blank lines, lines of blanks and a missing final newline', () => {
    expect(samples('\n\na 1\n   \n\t\nb 2')).toHaveLength(2);
    expect(samples('')).toEqual([]);
  });

  it('decodes \\\\, \\" and \\n in label values and keeps other escapes as written', () => {
    expect(
      one(String.raw`m{path="C:\\DIR\\FILE.TXT",error="Cannot find:\n\"F\"",t="a\tb"} 1`).labels,
    ).toEqual({
      path: 'C:\\DIR\\FILE.TXT',
      error: 'Cannot find:\n"F"',
      t: 'a\\tb',
    });
  });

  it('keeps any character but a raw newline in label values', () => {
    expect(one('m{a="é {},= # 😀"} 1').labels).toEqual({ a: 'é {},= # 😀' });
    const e = errorOf('ok 1\nm{a="line\nbreak"} 1\n');
    expect([e.line, e.expected]).toEqual([2, "a closing '\"'"]);
  });

  it('reads quoted UTF-8 metric and label names (Prometheus 3)', () => {
    expect(one('{"my.metric","label.name"="x",b="y"} 1')).toMatchObject({
      name: 'my.metric',
      labels: { 'label.name': 'x', b: 'y' },
    });
    expect(one('{a="1", "late.name"} 1').name).toBe('late.name');
    expect(errorOf('m{"other"} 1').expected).toMatch(/label name \(the metric name is already given\)/);
    expect(errorOf('{a="1"} 1').expected).toBe('a metric name, quoted, first in the braces');
  });

  it('rejects a label given twice and __name__ as a label', () => {
    expect(errorOf('m{a="1",b="2",a="3"} 1')).toMatchObject({
      column: 15,
      expected: expect.stringMatching(/a repeats/),
    });
    expect(errorOf('m{__name__="x"} 1').expected).toMatch(/other than __name__/);
  });

  it('keeps a label called __proto__ as an ordinary own label', () => {
    const s = one('m{__proto__="x",constructor="y"} 1');
    expect(Object.getPrototypeOf(s.labels)).toBe(Object.prototype);
    expect(Object.keys(s.labels)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(s.labels, '__proto__')?.value).toBe('x');
  });

  it('reads integer timestamps in milliseconds, negative ones too', () => {
    expect(one('m 1 -3982045').timestampMs).toBe(-3982045);
    expect(errorOf('m 1 1.5').expected).toBe('a timestamp in integer milliseconds, or end of line');
    expect(errorOf('m 1 99999999999999999').expected).toMatch(/timestamp/);
    expect(errorOf('m 1 10 20').expected).toBe('end of line after the timestamp');
  });
});

describe('text format 0.0.4: values', () => {
  it('reads integers, decimals and exponents exactly', () => {
    expect(value('42')).toBe(42);
    expect(value('-7')).toBe(-7);
    expect(value('+7')).toBe(7);
    expect(value('3.886707e+06')).toBe(3886707);
    expect(value('0.000118953')).toBe(0.000118953);
    expect(value('1.458255915e9')).toBe(1458255915);
    expect(value('.5')).toBe(0.5);
    expect(value('5.')).toBe(5);
    expect(value('1E-3')).toBe(0.001);
    expect(value('12345678901234567890')).toBe(Number('12345678901234567890'));
    expect(value('0.1234567890123456789')).toBe(Number('0.1234567890123456789'));
    expect(Object.is(value('-0'), -0)).toBe(true);
  });

  it('reads NaN and infinities as Go spells them', () => {
    expect(value('NaN')).toBeNaN();
    expect(value('nan')).toBeNaN();
    expect(value('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(value('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(value('Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(value('-infinity')).toBe(Number.NEGATIVE_INFINITY);
  });

  it.each(['0x10', '1_000', '+NaN', '1e', 'e1', '.', '-', '1.2.3', 'Infinit', '1e400', '0x1p-2', 'one'])(
    'rejects %s as a value',
    (v) => {
      const e = errorOf(`m{a="b"} ${v}\n`);
      expect([e.line, e.column, e.expected]).toEqual([
        1,
        10,
        'a number as the value (e.g. 1, -2.5e3, NaN, +Inf)',
      ]);
    },
  );

  it('needs a value', () => {
    expect(errorOf('m\n').expected).toMatch(/a number as the value/);
    expect(errorOf('m{a="1"}\n').found).toBe('end of line');
  });
});

describe('text format 0.0.4: HELP, TYPE and comments', () => {
  it('reads HELP with \\\\ and \\n escapes, and TYPE per family', () => {
    const { families } = parseExposition(
      '# HELP a_total Total "things",\\ncounted in C:\\\\ with \\t\n# TYPE a_total counter\na_total 1\n',
    );
    expect(families.get('a_total')).toEqual({
      name: 'a_total',
      type: 'counter',
      help: 'Total "things",\ncounted in C:\\ with \\t',
    });
  });

  it('reads every 0.0.4 type, untyped as unknown, and tolerates blanks around words', () => {
    const text = ['counter', 'gauge', 'histogram', 'summary', 'untyped']
      .map((t, i) => `#\tTYPE  m${i} \t${t} \t\n`)
      .join('');
    expect([...parseExposition(text).families.values()].map((f) => f.type)).toEqual([
      'counter',
      'gauge',
      'histogram',
      'summary',
      'unknown',
    ]);
  });

  it('rejects an unknown type, and OpenMetrics-only types', () => {
    for (const t of ['gaugehistogram', 'info', 'unknown', 'Counter', '']) {
      const e = errorOf(`a 1\n# TYPE m ${t}\n`);
      expect([e.line, e.expected]).toEqual([2, 'a type: counter, gauge, histogram, summary or untyped']);
    }
  });

  it('needs a metric name after HELP and TYPE, then a blank', () => {
    expect(errorOf('# HELP 1abc x').expected).toBe('a metric name after HELP');
    expect(errorOf('# TYPE m-x counter').expected).toBe('a blank after the metric name in TYPE');
  });

  it('reads an empty HELP and quoted names in HELP and TYPE', () => {
    const { families } = parseExposition('# HELP m\n# TYPE "my.metric" gauge\n{"my.metric"} 1\n');
    expect(families.get('m')?.help).toBe('');
    expect(families.get('my.metric')?.type).toBe('gauge');
  });

  it('treats any other line starting with # as a comment', () => {
    expect(
      samples('#no space\n# just words\n# HELP\n# HELPER x\n#TYPE m counter\n  # indented\nm 1\n'),
    ).toHaveLength(1);
  });

  it('normalises le of histogram buckets and quantile of summaries, as Prometheus 3 does', () => {
    const s = samples(
      [
        '# TYPE h histogram',
        'h_bucket{le="1"} 1',
        'h_bucket{le="0.5e1"} 2',
        'h_bucket{le="100000"} 3',
        'h_bucket{le="1e6"} 3',
        'h_bucket{le="+Inf"} 4',
        'h_sum{le="1"} 5',
        '# TYPE s summary',
        's{quantile="0"} 1',
        's{quantile="0.99"} 2',
        '# TYPE g gauge',
        'g{le="1"} 1',
      ].join('\n'),
    );
    expect(s.map((x) => x.labels.le ?? x.labels.quantile)).toEqual([
      '1.0',
      '5.0',
      '100000.0',
      '1e+06',
      '+Inf',
      '1',
      '0.0',
      '0.99',
      '1',
    ]);
  });

  it('keeps _created series in text format 0.0.4', () => {
    expect(samples('# TYPE c_total counter\nc_total 1\nc_created 1.7e9\n')).toHaveLength(2);
  });
});

describe('errors', () => {
  it('give the line and column, what was expected and what was found', () => {
    const e = errorOf('# TYPE m counter\nm 1\nm{job=web} 1\n');
    expect(e).toMatchObject({
      line: 3,
      column: 7,
      expected: 'a label value in double quotes',
      found: '"web"',
      excerpt: 'm{job=web} 1',
    });
    expect(e.message).toBe(
      'line 3, column 7: expected a label value in double quotes, found "web" in: m{job=web} 1',
    );
  });

  it('say where a line ends too early', () => {
    expect(errorOf('m{a="1"')).toMatchObject({
      column: 8,
      expected: '"," or "}" after the label value',
      found: 'end of input',
    });
    expect(errorOf('m{a="1"\nn 1')).toMatchObject({ line: 1, found: 'end of line' });
    expect(errorOf('m{a\n').expected).toBe('"=" after the label name "a"');
    expect(errorOf('m{a=\n').expected).toBe('a label value in double quotes');
    expect(errorOf('m{a="x\\').expected).toBe('an escaped character after "\\"');
    expect(errorOf('m{,} 1').expected).toBe('a label name or "}"');
    expect(errorOf('m{a="1";b="2"} 1').expected).toBe('"," or "}" after the label value');
    expect(errorOf('=1').expected).toBe('a metric name or "#"');
    expect(errorOf('9m 1').expected).toBe('a metric name or "#"');
  });

  it('hint at Windows line endings', () => {
    expect(errorOf('m 1\r\n').message).toMatch(/lines must end with "\\n" alone/);
  });

  it('quote at most 80 characters of a long line', () => {
    const e = errorOf(`m{a="${'x'.repeat(10_000)}",b=oops} 1`);
    expect(e.column).toBe(10_010);
    expect(e.excerpt.length).toBeLessThanOrEqual(82);
    expect(e.excerpt).toContain('b=oops');
    expect(e.message.length).toBeLessThan(200);
  });
});

describe('formatOf', () => {
  it('chooses the format by Content-Type', () => {
    expect(formatOf('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
    expect(formatOf('text/plain; version=0.0.4; charset=utf-8')).toBe('prometheus');
    expect(formatOf('Text/Plain')).toBe('prometheus');
    expect(formatOf('application/json')).toBeUndefined();
    expect(formatOf(undefined)).toBeUndefined();
  });
});

describe('hostile input', () => {
  it('stays linear in the number of labels on one line, and still finds a duplicate among them', () => {
    const pairs = Array.from({ length: 50_000 }, (_, i) => `l${i}="v"`);
    const t0 = performance.now();
    expect(Object.keys(one(`m{${pairs.join(',')}} 1`).labels)).toHaveLength(50_000);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(errorOf(`m{${pairs.join(',')},l20="again"} 1`).expected).toMatch(/l20 repeats/);
    expect(errorOf(`m{${pairs.slice(0, 20).join(',')},l3="again"} 1`).expected).toMatch(/l3 repeats/);
  });
});

describe('error messages', () => {
  it('stay short whatever the names', () => {
    const long = 'n'.repeat(5_000);
    for (const text of [`m{${long}} 1`, `m{${long}="1",${long}="2"} 1`, `m{${long}}`]) {
      expect(errorOf(text).message.length).toBeLessThan(300);
    }
  });
});

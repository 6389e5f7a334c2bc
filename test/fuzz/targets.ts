import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { testRulesFile } from '../../src/alerting/test-rules.js';
import { parseConfig } from '../../src/config/loader.js';
import { LinearRegexError, linearRegex } from '../../src/core/linear-regex.js';
import { VigilError } from '../../src/errors.js';
import { template, templateHash } from '../../src/logs/fingerprint.js';
import { levelNeedles, levelOf } from '../../src/logs/levels.js';
import { rotateFile } from '../../src/logs/rotate.js';
import { rotateSchema } from '../../src/logs/rotate-config.js';
import { NeedleScanner } from '../../src/logs/scanner.js';
import { lineTime } from '../../src/logs/timestamp.js';
import { ExpositionError, parseExposition } from '../../src/metrics/exposition/parse.js';
import { instantQuery, MemoryQueryable, PromQLError, parsePromQL } from '../../src/metrics/promql/index.js';

/**
 * One fuzz target: inputs from `arbitrary` (and the corpus), each run within
 * `boundMs`, and only `allowed` errors may come out of `run`.
 */
export interface FuzzTarget {
  name: string;
  arbitrary: fc.Arbitrary<string>;
  run(input: string): unknown;
  /** the error types this entry point is documented to throw; anything else is a crash */
  allowed: (e: unknown) => boolean;
  /** wall time one input may take */
  boundMs: number;
}

/** Strings made of fragments that mean something to the parser, so the fuzz gets past the first byte. */
const soup = (fragments: readonly string[], maxLength = 40) =>
  fc
    .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fragments) }, fc.string({ maxLength: 4 })), {
      maxLength,
    })
    .map((parts) => parts.join(''));

const regexFragments = [
  'a',
  'b',
  '(a+)+$',
  '(a|aa)+',
  '(.*a){8}',
  '(?=a)',
  '\\1',
  '\\k<x>',
  '(?<x>a)',
  '[a-',
  '[^b]',
  '\\d{2,}',
  '{1,3}',
  '*',
  '+',
  '?',
  '|',
  '(',
  ')',
  '(?:',
  '(?i)',
  '^',
  '$',
  '.',
  '\\',
  'ERROR',
  'x{1000}',
  '\\u0041',
  '\\p{L}',
];

const durations = ['1ms', '1s', '30s', '5m', '1h', '1d', '1w', '1y', '999999999999999d', '0s', '1.5h', '-1m'];

const promqlFragments = [
  'up',
  'x',
  'http_requests_total',
  '{',
  '}',
  'job="a"',
  'job=~"a+"',
  'job!~"(a+)+$"',
  ',',
  '(',
  ')',
  '[',
  ']',
  ':',
  ...durations,
  ' offset ',
  ' @ ',
  'start()',
  'end()',
  ' + ',
  ' - ',
  ' * ',
  ' / ',
  ' % ',
  ' ^ ',
  ' == ',
  ' > bool ',
  ' and ',
  ' or ',
  ' unless ',
  ' on(job) ',
  ' ignoring(job) ',
  ' group_left ',
  'sum',
  'count',
  'topk(',
  'quantile(',
  'count_values(',
  ' by (job) ',
  ' without (job) ',
  'rate(',
  'max_over_time(',
  'sum_over_time(',
  'count_over_time(',
  'label_replace(',
  'label_join(',
  'histogram_quantile(',
  'absent(',
  'vector(1)',
  'scalar(',
  'time()',
  '"$1"',
  '"a"',
  '"(a+)+$"',
  '0.5',
  '1e308',
  'NaN',
  'Inf',
  '-',
  '80%',
];

/** Well-formed-looking expressions, nested, with subqueries of any range and step. */
const promqlExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('up', 'x{job="a"}', 'vector(1)', '1', 'time()', 'up{job=~"a.*"}'),
    fc
      .tuple(tie('e'), fc.constantFrom(...durations), fc.constantFrom('', ...durations))
      .map(([e, r, s]) => `max_over_time((${e})[${r}:${s}])`),
    fc
      .tuple(fc.constantFrom('rate', 'count_over_time', 'sum_over_time'), fc.constantFrom(...durations))
      .map(([f, r]) => `${f}(up[${r}])`),
    fc
      .tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '>', 'and', 'or', 'unless', '^', '%'), tie('e'))
      .map(([a, op, b]) => `(${a}) ${op} (${b})`),
    fc
      .tuple(fc.constantFrom('sum', 'max', 'count', 'stddev'), tie('e'))
      .map(([f, e]) => `${f} by (job) (${e})`),
    fc.tuple(fc.constantFrom('abs', 'ln', 'sort', 'timestamp', '-'), tie('e')).map(([f, e]) => `${f}(${e})`),
    fc
      .tuple(tie('e'), fc.string({ maxLength: 10 }))
      .map(([e, re]) => `label_replace(${e}, "dst", "$1", "job", ${JSON.stringify(re)})`),
  ),
})).e;

const promqlInputs = fc.oneof(promqlExpr, soup(promqlFragments), fc.string({ maxLength: 60 }));

const fixtureStore = (() => {
  const q = new MemoryQueryable();
  const now = Date.UTC(2026, 0, 1);
  for (const job of ['a', 'b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']) {
    q.add(
      { __name__: 'up', job },
      [0, 1, 2, 3].map((i) => ({ t: now - i * 60_000, v: i % 2 })),
    );
    q.add(
      { __name__: 'x', job },
      [0, 1, 2, 3].map((i) => ({ t: now - i * 60_000, v: i * 10 })),
    );
  }
  return { q, now };
})();

const expositionFragments = [
  '# HELP ',
  '# TYPE ',
  ' counter',
  ' gauge',
  ' histogram',
  ' summary',
  ' untyped',
  '# EOF\n',
  '# UNIT ',
  'metric',
  '_total',
  '_bucket',
  '_sum',
  '_count',
  '_created',
  '{',
  '}',
  'le="0.5"',
  'le="+Inf"',
  'quantile="0.9"',
  'a="b"',
  'a="\\n\\"\\\\"',
  ',',
  ' ',
  '1',
  '-1.5e3',
  'NaN',
  '+Inf',
  '1395066363000',
  ' # {trace_id="x"} 1',
  '\n',
  '\r\n',
  '\\',
  '"',
  '=',
  '{"quoted.name"}',
];

const logFragments = [
  'ERROR',
  'WARN',
  'FATAL',
  'error',
  '{"level":"error"',
  '"level":50',
  '"time":"2026-11-27T03:14:15Z"',
  '"ts":1700000000',
  'level=error',
  'msg="a b"',
  'ts=2026-11-27T03:14:15.123Z',
  '2026-11-27 03:14:15,123',
  'Nov 27 03:14:15',
  '}',
  ' ',
  '=',
  '"',
  '\\',
  '0x1f',
  'user=42',
  '/api/v1/users/42',
  'a'.repeat(300),
  '\u0000',
  '\ufffd',
];

const yamlFragments = [
  'checks:\n',
  '  - name: a\n',
  '    http: { url: http://127.0.0.1:1/ }\n',
  '    every: 30s\n',
  'alerts:\n',
  '  - { name: A, condition: up == 0, duration: 1m, severity: critical }\n',
  '  - { name: B, condition: "max_over_time(up[1y:1ms]) > 0" }\n',
  'rule_files: [rules/*.yml]\n',
  'notify:\n',
  '  - name: t\n    webhook: { url: "${HOOK}" }\n',
  'storage: sqlite::memory:\n',
  'query: { max_samples: 1000 }\n',
  'logs:\n  - path: /tmp/x.log\n    rotate: { when: daily }\n',
  '&a ',
  '*a',
  '<<: *a\n',
  '[',
  ']',
  '{',
  '}',
  '- ',
  ': ',
  '"',
  "'",
  '\t',
  '\n',
  '  ',
  '!!binary ',
  '!!js/function ',
  '${X:-1}',
  '${',
  '---\n',
  '...\n',
  '? ',
  '|\n',
  '# c\n',
];

/** Nesting and alias bombs of chosen depth and width. */
const hostileYaml = fc.oneof(
  fc.integer({ min: 1, max: 10_000 }).map((n) => `checks: ${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1, max: 10_000 }).map((n) => `x: ${'{a: '.repeat(n)}1${'}'.repeat(n)}`),
  fc.tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 })).map(([depth, width]) => {
    const lines = ['x0: &x0 [lol]'];
    for (let i = 1; i <= depth; i++)
      lines.push(
        `x${i}: &x${i} [${Array(width)
          .fill(`*x${i - 1}`)
          .join(', ')}]`,
      );
    return `${lines.join('\n')}\nchecks: *x${depth}\n`;
  }),
);

const exampleConfig = readFileSync(new URL('../../examples/vigil.yaml', import.meta.url), 'utf8');

/** The example config with a few lines dropped, repeated or cut. */
const mutatedExample = fc
  .array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'dup', 'cut', 'indent')), { maxLength: 6 })
  .map((edits) => {
    const lines = exampleConfig.split('\n');
    for (const [at, op] of edits) {
      const i = at % lines.length;
      if (op === 'drop') lines.splice(i, 1);
      else if (op === 'dup') lines.splice(i, 0, lines[i]!);
      else if (op === 'cut') lines[i] = lines[i]!.slice(0, at % (lines[i]!.length + 1));
      else lines[i] = ` ${lines[i]}`;
    }
    return lines.join('\n');
  });

const scratch = mkdtempSync(path.join(tmpdir(), 'vigil-fuzz-'));

const testFileFragments = [
  'rule_files: [rules.yml]\n',
  'evaluation_interval: 1m\n',
  'tests:\n',
  '  - interval: 1m\n',
  '    input_series:\n',
  '      - series: \'up{job="a"}\'\n',
  "        values: '1+0x10 _ stale 0x3'\n",
  "        values: '1-1x99999999'\n",
  '    alert_rule_test:\n',
  '      - eval_time: 5m\n',
  '        alertname: Down\n',
  '        exp_alerts: []\n',
  '    promql_expr_test:\n',
  '      - expr: up\n',
  '        eval_time: 1m\n',
  '        exp_samples:\n',
  '          - labels: \'up{job="a"}\'\n',
  '            value: 1\n',
  'group_eval_order: [g]\n',
  '[',
  ']',
  '{',
  ': ',
  '- ',
  '  ',
  '\n',
  '999999999h',
];

const rulesYml =
  'groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n        for: 1m\n';

const rotateOptions = fc.record(
  {
    when: fc.constantFrom('daily', 'weekly', 'monthly', 'hourly'),
    max_size: fc.oneof(fc.constantFrom('1', '10B', '1KB', '100MB', 'x'), fc.nat()),
    min_size: fc.constantFrom('1', '1KB'),
    keep: fc.integer({ min: -1, max: 5 }),
    max_age: fc.constantFrom('1s', '1d', '0s'),
    compress: fc.constantFrom('gzip', 'zstd', false, 'lz4'),
    delay_compress: fc.boolean(),
    dateext: fc.boolean(),
    date_format: fc.constantFrom('-%Y%m%d', '-%s', '%H', '', '-%Y/%m'),
    olddir: fc.constantFrom('old', '../elsewhere', 'missing'),
    missing_ok: fc.boolean(),
    not_if_empty: fc.boolean(),
    mode: fc.constantFrom('rename', 'copytruncate'),
  },
  { requiredKeys: [] },
);

let rotations = 0;

export const targets: FuzzTarget[] = [
  {
    name: 'config-loader',
    arbitrary: fc.oneof(soup(yamlFragments, 30), hostileYaml, mutatedExample, fc.string({ maxLength: 200 })),
    run: (text) => parseConfig(text, 'vigil.yaml', { HOOK: 'http://127.0.0.1:1/hook' }),
    allowed: (e) => e instanceof VigilError,
    boundMs: 5000,
  },
  {
    name: 'promql-parser',
    arbitrary: promqlInputs,
    run: (text) => parsePromQL(text, { percentLiterals: true }),
    // PromQLError is the parser's one error type; the API answers it as bad_data, config loading as CONFIG_INVALID.
    allowed: (e) => e instanceof PromQLError,
    boundMs: 3000,
  },
  {
    name: 'promql-evaluator',
    arbitrary: promqlInputs,
    run: (text) =>
      instantQuery(fixtureStore.q, text, fixtureStore.now, {
        percentLiterals: true,
        limits: { timeoutMs: 1000, maxSamples: 1_000_000 },
      }),
    allowed: (e) => e instanceof PromQLError,
    boundMs: 3000,
  },
  {
    name: 'exposition-parser',
    arbitrary: fc
      .tuple(soup(expositionFragments, 60), fc.boolean())
      .map(([t, om]) => `${om ? '1' : '0'}${t}`),
    run: (input) =>
      parseExposition(input.slice(1), { format: input[0] === '1' ? 'openmetrics' : 'prometheus' }),
    allowed: (e) => e instanceof ExpositionError,
    boundMs: 2000,
  },
  {
    name: 'log-lines',
    arbitrary: fc.oneof(soup(logFragments, 30), fc.string({ maxLength: 200 })),
    run: (line) => {
      levelOf(line);
      lineTime(line, Date.UTC(2026, 0, 1));
      template(line);
      templateHash(line);
      const found: string[] = [];
      for (const json of [false, true]) {
        const scanner = new NeedleScanner(
          levelNeedles(['fatal', 'error', 'warn'], json),
          (m) => found.push(m.text),
          64,
        );
        const buf = Buffer.from(`${line}\n${line}`);
        scanner.lines(buf, 0, buf.length);
      }
      return found;
    },
    // Readers of log lines never fail: a line they do not understand is just a line.
    allowed: () => false,
    boundMs: 1000,
  },
  {
    name: 'test-rules-reader',
    arbitrary: fc.oneof(soup(testFileFragments, 25), fc.string({ maxLength: 100 })),
    run: async (text) => {
      const dir = path.join(scratch, 'tests');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'rules.yml'), rulesYml);
      writeFileSync(path.join(dir, 'test.yml'), text);
      return testRulesFile(path.join(dir, 'test.yml'));
    },
    // It reports every problem in its result; nothing may be thrown.
    allowed: () => false,
    boundMs: 5000,
  },
  {
    name: 'rotation-planner',
    arbitrary: fc
      .tuple(rotateOptions, fc.nat({ max: 5000 }), fc.nat({ max: 4 }), fc.integer({ min: -3, max: 400 }))
      .map((x) => JSON.stringify(x)),
    run: async (input) => {
      const [raw, bytes, rotated, ageDays] = JSON.parse(input) as [
        Record<string, unknown>,
        number,
        number,
        number,
      ];
      const parsed = rotateSchema.safeParse(raw);
      if (!parsed.success) return 'invalid options';
      const dir = path.join(scratch, `rot-${rotations++}`);
      mkdirSync(path.join(dir, 'old'), { recursive: true });
      const file = path.join(dir, 'app.log');
      writeFileSync(file, 'x'.repeat(bytes));
      for (let i = 1; i <= rotated; i++) writeFileSync(path.join(dir, `app.log.${i}`), 'old');
      const now = Date.UTC(2026, 5, 15, 12);
      const mtime = new Date(now - ageDays * 86_400_000);
      utimesSync(file, mtime, mtime);
      try {
        return await rotateFile(
          file,
          parsed.data,
          {
            now,
            lastRotated: async () => (ageDays < 0 ? undefined : now - ageDays * 86_400_000),
            recordRotated: async () => {},
            runHook: async () => {
              throw new Error('a dry run ran the post hook');
            },
          },
          true,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    allowed: (e) => e instanceof VigilError,
    boundMs: 3000,
  },
  {
    // A pattern from the config and a text from outside (a body, a log line), split at the first newline.
    name: 'linear-regex',
    arbitrary: fc
      .tuple(soup(regexFragments, 12), fc.oneof(soup(['a', 'aaaa', 'b', '!', ' ', '\n', 'ERROR', '1'], 40)))
      .map(([p, t]) => `${p.replace(/\n/g, '')}\n${t}`),
    run: (input) => {
      const nl = input.indexOf('\n');
      const re = linearRegex(input.slice(0, nl));
      const text = input.slice(nl + 1).repeat(200);
      return [re.test(text), re.findLine(text, 0)];
    },
    // compiling refuses with LinearRegexError; matching never throws, and stays linear on 200 copies
    allowed: (e) => e instanceof LinearRegexError,
    boundMs: 1000,
  },
];

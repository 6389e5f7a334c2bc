import path from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { z } from 'zod';
import { size } from '../config/types.js';
import { type LinearRegex, LinearRegexError, linearRegex } from '../core/linear-regex.js';
import { type FollowState, follow } from '../logs/follow.js';
import { elasticsearchSchema, firstWindow, lokiSchema, remoteSource, runRemoteLog } from './log-remote.js';
import type { CheckKind, Sample } from './types.js';

/** Log lines come from outside: their patterns match in linear time (see core/linear-regex). */
const regex = z.string().transform((text, ctx): LinearRegex => {
  try {
    return linearRegex(text);
  } catch (e) {
    if (!(e instanceof LinearRegexError)) throw e;
    ctx.addIssue({
      code: 'custom',
      message: `not a valid regular expression: ${e.message}`,
      params: {
        hint: 'JavaScript syntax without lookaround or backreferences; escape literal dots and brackets with \\\\',
      },
    });
    return z.NEVER;
  }
});

const schema = z
  .strictObject({
    /** a file or a glob: /var/log/app/*.log (or one of loki, elasticsearch) */
    path: z.string().min(1).optional(),
    /** central logs in Grafana Loki instead of files */
    loki: lokiSchema.optional(),
    /** central logs in Elasticsearch/OpenSearch instead of files */
    elasticsearch: elasticsearchSchema.optional(),
    /** loki/elasticsearch: how far back the first run looks (later runs read since the previous one) */
    first_window: firstWindow,
    /** lines that count as errors; shorthand for levels.error */
    match: regex.optional(),
    /** patterns per level, instead of the level words (ERROR, FATAL, WARN) and JSON logs' `level` */
    levels: z
      .strictObject({ fatal: regex.optional(), error: regex.optional(), warn: regex.optional() })
      .optional(),
    /** a line that starts a record, e.g. "^\\d{4}-": other lines (stack traces) fold into the record before */
    start: regex.optional(),
    /** a longer record is cut and counted once */
    max_record: size().prefault('64KiB'),
    /** bytes read per file per run; the rest waits for the next run */
    max_read: size().prefault('256MiB'),
    /** where to begin the first time a file is seen: its end (new lines only) or its beginning */
    from: z.enum(['end', 'start']).default('end'),
    /** no matching file is fine (the app has not started yet) */
    missing_ok: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    const given = [s.path, s.loki, s.elasticsearch].filter((x) => x !== undefined).length;
    if (given !== 1)
      ctx.addIssue({
        code: 'custom',
        message: given
          ? 'give only one of path, loki and elasticsearch'
          : 'a log check needs path, loki or elasticsearch',
        params: {
          hint: 'path: /var/log/app/*.log, or loki: { url, query }, or elasticsearch: { url, index }',
        },
      });
  });

export type LogSpec = z.output<typeof schema>;

const levelOrder = ['fatal', 'error', 'warn'] as const;

/**
 * Follows log files like `tail -F` and counts records per level:
 * `log_lines_total{file}` and `log_matches_total{file,level}`, counters that
 * survive rotation and restarts (offsets and totals live in the check's
 * persisted state). It also samples the guide's `error_rate{file}`: error and
 * fatal records / all records since the previous run, so `error_rate > 5%`
 * works as written; over a rule's own window w the same ratio is
 * `rate(log_matches_total{level="error"}[w]) / rate(log_lines_total[w])`.
 */
export const logCheck: CheckKind<LogSpec> = {
  schema,
  series: ['error_rate', 'log_lines_total', 'log_matches_total'],
  target: (spec) =>
    spec.path ?? (spec.loki ? `loki ${spec.loki.query}` : `elasticsearch ${spec.elasticsearch?.index}`),
  async run(spec, ctx) {
    if (spec.path === undefined) return runRemoteLog(remoteSource(spec), spec.first_window, ctx);
    const files = isDynamicPattern(spec.path)
      ? globSync(spec.path, { absolute: true, onlyFiles: true }).sort()
      : [path.resolve(spec.path)];
    const previous = validState(await ctx.state.get());
    const levels = spec.levels || spec.match ? patterns(spec) : undefined;
    const report = await follow(files, previous, {
      levels,
      start: spec.start,
      maxRecordBytes: spec.max_record,
      maxReadBytes: spec.max_read,
      fromEnd: spec.from === 'end',
    });
    await ctx.state.set(report.state);

    const seen = Object.keys(report.state.files).filter((f) => files.includes(f));
    const counted = levels ? levels.map((l) => l.level) : levelOrder;
    const samples: Sample[] = [];
    for (const file of seen) {
      const c = report.state.counts[file] ?? { lines: 0, levels: {} };
      // The guide's `error_rate > 5%`: errors (error and fatal) per line over this run's interval.
      const d = report.delta[file];
      const errs = (d?.levels.error ?? 0) + (d?.levels.fatal ?? 0);
      samples.push({ name: 'error_rate', labels: { file }, value: d?.lines ? errs / d.lines : 0 });
      samples.push({ name: 'log_lines_total', labels: { file }, value: c.lines });
      for (const level of counted) {
        samples.push({ name: 'log_matches_total', labels: { file, level }, value: c.levels[level] ?? 0 });
      }
    }
    if (!seen.length) {
      if (report.notes.length) return { status: 'critical', message: report.notes.join('; ') };
      return spec.missing_ok
        ? { status: 'ok', message: `no file matches ${spec.path} yet` }
        : { status: 'critical', message: `no file matches ${spec.path}` };
    }
    let lines = 0;
    const byLevel: Record<string, number> = {};
    for (const d of Object.values(report.delta)) {
      lines += d.lines;
      for (const [l, n] of Object.entries(d.levels)) byLevel[l] = (byLevel[l] ?? 0) + n;
    }
    const parts = counted.filter((l) => byLevel[l]).map((l) => `${byLevel[l]} ${l}`);
    const summary = `${lines} new line${lines === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''} in ${seen.length} file${seen.length === 1 ? '' : 's'}`;
    const unreadable = report.notes.filter((n) => n.startsWith('cannot read'));
    return {
      status: unreadable.length ? 'critical' : 'ok',
      message: [summary, ...report.notes].join('; '),
      samples,
    };
  },
};

function patterns(spec: LogSpec): { level: string; re: LinearRegex }[] {
  const out: { level: string; re: LinearRegex }[] = [];
  for (const level of levelOrder) {
    const re = level === 'error' ? (spec.levels?.error ?? spec.match) : spec.levels?.[level];
    if (re) out.push({ level, re });
  }
  return out;
}

/** State written by an older or broken version reads as a fresh start, never a crash. */
function validState(v: unknown): FollowState | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const s = v as Partial<FollowState>;
  if (s.v !== 1 || typeof s.files !== 'object' || !Array.isArray(s.retired) || typeof s.counts !== 'object') {
    return undefined;
  }
  return s as FollowState;
}

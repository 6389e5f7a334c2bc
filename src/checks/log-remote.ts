import { z } from 'zod';
import { duration } from '../config/types.js';
import { type RemoteLogSource, scanRemote } from '../logs/scan-remote.js';
import type { CheckContext, KindOutcome, Sample } from './types.js';

/** `loki:` in a log check: Grafana Loki's query_range over a LogQL selector. */
export const lokiSchema = z.strictObject({
  url: z.string().url(),
  /** a LogQL log query: {app="shop"} or {app="shop"} |= "payment" */
  query: z.string().min(2),
  headers: z.record(z.string(), z.string()).optional(),
});

/** `elasticsearch:` in a log check: an Elasticsearch/OpenSearch index searched by time. */
export const elasticsearchSchema = z.strictObject({
  url: z.string().url(),
  index: z.string().min(1),
  /** a Lucene query string: service.name:shop */
  query: z.string().min(1).optional(),
  time_field: z.string().min(1).default('@timestamp'),
  headers: z.record(z.string(), z.string()).optional(),
});

/** How far back the first run of a remote log check looks. */
export const firstWindow = duration({ min: 60_000 }).prefault('5m');

interface RemoteState {
  v: 'remote';
  until: number;
  lines: number;
  levels: Record<string, number>;
}

const counted = ['fatal', 'error', 'warn'] as const;

export function remoteSource(spec: {
  loki?: z.output<typeof lokiSchema>;
  elasticsearch?: z.output<typeof elasticsearchSchema>;
}): RemoteLogSource {
  if (spec.loki) return { kind: 'loki', ...spec.loki };
  const es = spec.elasticsearch!;
  return {
    kind: 'elasticsearch',
    url: es.url,
    index: es.index,
    timeField: es.time_field,
    ...(es.query ? { query: es.query } : {}),
    ...(es.headers ? { headers: es.headers } : {}),
  };
}

/**
 * A log check over central logs: the records since the previous run (the first run looks back
 * `first_window`), counted per level into the same series as a file's, labelled `source`
 * instead of `file`. A remote that fails or times out is unknown and the window is kept, so
 * the next run covers it.
 */
export async function runRemoteLog(
  source: RemoteLogSource,
  firstWindowMs: number,
  ctx: CheckContext,
): Promise<KindOutcome> {
  const now = ctx.now();
  const prev = (await ctx.state.get()) as RemoteState | undefined;
  const state: RemoteState =
    prev?.v === 'remote' ? prev : { v: 'remote', until: now - firstWindowMs, lines: 0, levels: {} };
  const label =
    source.kind === 'loki' ? source.query : `${source.index}${source.query ? ` ${source.query}` : ''}`;
  let report: Awaited<ReturnType<typeof scanRemote>>;
  try {
    report = await scanRemote(source, {
      since: state.until,
      now,
      levels: counted,
      top: 3,
      timeoutMs: ctx.timeoutMs,
    });
  } catch (e) {
    return { status: 'unknown', message: (e as Error).message };
  }
  const lines = report.lines;
  const next: RemoteState = {
    v: 'remote',
    until: now,
    lines: state.lines + lines,
    levels: { ...state.levels },
  };
  for (const [l, n] of Object.entries(report.counts)) next.levels[l] = (next.levels[l] ?? 0) + n;
  await ctx.state.set(next);
  const errs = (report.counts.error ?? 0) + (report.counts.fatal ?? 0);
  const samples: Sample[] = [
    { name: 'error_rate', labels: { source: label }, value: lines ? errs / lines : 0 },
    { name: 'log_lines_total', labels: { source: label }, value: next.lines },
    ...counted.map((level) => ({
      name: 'log_matches_total',
      labels: { source: label, level },
      value: next.levels[level] ?? 0,
    })),
  ];
  const parts = counted.filter((l) => report.counts[l]).map((l) => `${report.counts[l]} ${l}`);
  const top = report.fingerprints[0];
  return {
    status: 'ok',
    message: `${lines} new record${lines === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''} in ${source.kind} ${label}${top ? `; most often: ${top.template.slice(0, 120)}` : ''}`,
    samples,
  };
}

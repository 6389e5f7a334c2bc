import path from 'node:path';
import { z } from 'zod';
import type { AuditResult } from '../../audit/scan.js';
import { severities } from '../../audit/severity.js';
import { findingLine, freshness, headline } from '../../audit/words.js';
import { duration } from '../../config/types.js';
import type { Finding, StepSeries } from '../types.js';
import { day, type StepKind } from './types.js';

const ignoreSchema = z.strictObject({
  /** the advisory: its OSV id or any alias (CVE-…, GHSA-…) */
  id: z.string().min(1),
  /** why the team accepts it, shown in every report */
  reason: z.string().min(3),
  /** the date the decision ends, YYYY-MM-DD: then the finding shows again */
  until: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
    .transform((d) => Date.parse(`${d}T00:00:00Z`)),
  /** only in this package (default: wherever the advisory applies) */
  package: z.string().min(1).optional(),
});

const schema = z.strictObject({
  /** lockfiles, or folders searched for them */
  paths: z.array(z.string().min(1)).min(1),
  /** the folder of OSV exports, `<ecosystem>/all.zip` (what `vigil advisories update` fills) */
  advisories: z.string().min(1).default('advisories'),
  /** findings at or above this need attention */
  attention_at: z.enum(severities).default('low'),
  /** advisory data older than this needs attention */
  max_age: duration({ min: 3_600_000 }).prefault('7d'),
  ignore: z.array(ignoreSchema).default([]),
});

/**
 * Known vulnerabilities in the dependencies the lockfiles pin, from the OSV exports on disk:
 * what is new since the last run, what was fixed, and how old the advisory data is.
 */
export const vulnerabilities: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Vulnerabilities',
  series: {
    vulnerabilities_open: {
      help: 'Known vulnerabilities in locked dependencies, not ignored, by severity',
      labels: ['severity'],
    },
    vulnerabilities_new: { help: 'Vulnerabilities found that the previous run did not find' },
    advisories_age_seconds: { help: 'Age of the oldest advisory export the scan read' },
  },
  async run(spec, ctx) {
    // The scanner and its version parsers are loaded by a run, not with the config schema.
    const { atOrAbove, audit, findingKey } = await import('../../audit/scan.js');
    const r: AuditResult = await audit({
      paths: spec.paths,
      baseDir: ctx.baseDir,
      advisoriesDir: path.resolve(ctx.baseDir, spec.advisories),
      now: ctx.now,
      ignore: spec.ignore,
    });
    const prevKeys = (ctx.previous?.section?.state as { keys?: string[] } | undefined)?.keys;
    const prevSet = new Set(prevKeys ?? []);
    const fresh = freshness(r, ctx.now, spec.max_age);
    const findings: Finding[] = [
      ...r.errors.map((text) => ({ status: 'failed' as const, text })),
      ...r.findings.map((v) => ({
        status: atOrAbove(v, spec.attention_at) ? ('attention' as const) : ('ok' as const),
        text: `${findingLine(v)}${prevKeys && !prevSet.has(findingKey(v)) ? ' (new)' : ''}`,
      })),
      ...r.expired.map((e) => ({
        status: 'attention' as const,
        text: `the ignore entry for ${e.id} expired on ${new Date(e.until).toISOString().slice(0, 10)} (${e.reason})`,
      })),
      ...r.ignored.map((v) => ({
        status: 'ok' as const,
        text: `ignored until ${new Date(v.until).toISOString().slice(0, 10)}: ${findingLine(v)} (${v.reason})`,
      })),
      ...r.lockfiles.flatMap((l) => l.notes.map((n) => ({ status: 'ok' as const, text: `${l.file}: ${n}` }))),
    ];
    if (fresh) findings.push({ status: fresh.stale ? 'attention' : 'ok', text: fresh.text });
    const state = {
      keys: r.findings.map(findingKey),
      open: r.findings.length,
      dataUpdatedAt: r.advisories.length ? Math.min(...r.advisories.map((a) => a.updatedAt)) : null,
    };
    const scanned = r.lockfiles.filter((l) => !l.error).length;
    // Every severity, zeros included, so `vulnerabilities_open{severity="critical"} > 0` always has
    // a series to compare; an incomplete scan records none (a partial count is not "0 critical").
    const series: StepSeries[] = r.errors.length
      ? []
      : [
          ...severities.map((severity) => ({
            name: 'vulnerabilities_open',
            labels: { severity },
            value: r.findings.filter((v) => v.severity === severity).length,
          })),
          ...(prevKeys
            ? [
                {
                  name: 'vulnerabilities_new',
                  value: r.findings.filter((v) => !prevSet.has(findingKey(v))).length,
                },
              ]
            : []),
          ...(state.dataUpdatedAt !== null
            ? [{ name: 'advisories_age_seconds', value: Math.max(0, (ctx.now - state.dataUpdatedAt) / 1000) }]
            : []),
        ];
    if (r.errors.length) {
      const summary = `scan incomplete: ${r.errors[0]}${r.errors.length > 1 ? ` (and ${r.errors.length - 1} more problems)` : ''}`;
      return {
        status: 'failed',
        reason: r.errors.join('; '),
        summary: r.findings.length ? `${headline(r, prevKeys)}; ${summary}` : summary,
        findings,
        state,
      };
    }
    const needs =
      r.findings.some((v) => atOrAbove(v, spec.attention_at)) || r.expired.length > 0 || fresh?.stale;
    return {
      status: needs ? 'attention' : 'ok',
      summary: `${headline(r, prevKeys)}${fresh?.stale ? `; ${fresh.text}` : ''}${r.findings.length || fresh?.stale ? '' : ` (${scanned} lockfile${scanned === 1 ? '' : 's'}, advisory data ${Math.round((ctx.now - (state.dataUpdatedAt ?? ctx.now)) / day)} days old)`}`,
      findings,
      state,
      series,
    };
  },
};

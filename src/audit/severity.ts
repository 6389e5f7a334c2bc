import { createRequire } from 'node:module';
import type { OsvAffected, OsvRecord } from './osv.js';

export const severities = ['unknown', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

export const severityRank = (s: Severity) => severities.indexOf(s);

/** CVSS's qualitative rating of a base score (the same bands in v3.1 and v4.0). */
export function ratingOf(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'unknown';
}

/**
 * The base score of a CVSS vector, by a library that implements FIRST's specifications
 * (v2, v3.0, v3.1, v4.0): the vector's version prefix picks the calculator.
 */
export function cvssScore(vector: string): number | undefined {
  // Required on the first score: the step's schema imports this file, most runs score nothing.
  const cvss = createRequire(import.meta.url)('ae-cvss-calculator') as typeof import('ae-cvss-calculator');
  try {
    const v = vector.trim();
    const calc = v.startsWith('CVSS:4.0/')
      ? new cvss.Cvss4P0(v)
      : v.startsWith('CVSS:3.1/')
        ? new cvss.Cvss3P1(v)
        : v.startsWith('CVSS:3.0/')
          ? new cvss.Cvss3P0(v)
          : new cvss.Cvss2(v);
    const base = calc.calculateScores().base;
    return typeof base === 'number' && Number.isFinite(base) ? base : undefined;
  } catch {
    return undefined;
  }
}

const words: Record<string, Severity> = {
  critical: 'critical',
  high: 'high',
  moderate: 'medium',
  medium: 'medium',
  low: 'low',
};

/**
 * A record's severity: the highest base score among its CVSS vectors (the affected entry's
 * own first), else the database's word (GitHub's "MODERATE"), else unknown.
 */
export function severityOf(
  rec: OsvRecord,
  entry?: OsvAffected,
): { severity: Severity; score?: number; vector?: string } {
  let best: { score: number; vector: string } | undefined;
  for (const s of [...(entry?.severity ?? []), ...(rec.severity ?? [])]) {
    if (!s.type.startsWith('CVSS_')) continue;
    const score = cvssScore(s.score);
    if (score !== undefined && (!best || score > best.score)) best = { score, vector: s.score };
  }
  if (best) return { severity: ratingOf(best.score), ...best };
  const word = (entry?.database_specific?.severity ?? rec.database_specific?.severity)?.toLowerCase();
  return { severity: (word && words[word]) || 'unknown' };
}

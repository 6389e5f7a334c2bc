import { type AuditResult, dataAge, displayId, findingKey, type Vulnerability } from './scan.js';
import { type Severity, severities } from './severity.js';

const day = 86_400_000;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "1 critical: CVE-2021-23337, fixed in 4.17.21": the worst of a group, named. */
function worstOf(vs: readonly Vulnerability[]): string {
  const top = vs[0]!;
  const same = vs.filter((v) => v.severity === top.severity).length;
  const what = top.severity === 'unknown' ? 'of unknown severity' : top.severity;
  return `${same} ${what}: ${displayId(top)}${top.fixed ? `, fixed in ${top.fixed}` : ', no fix yet'}`;
}

/**
 * The report's sentence: "3 new vulnerabilities (1 critical: CVE-…, fixed in 4.17.21) in
 * app/package-lock.json; 5 open, 1 fixed since the last run". Without a previous run every
 * finding is simply counted.
 */
export function headline(r: AuditResult, previousKeys: readonly string[] | undefined): string {
  const prev = previousKeys ? new Set(previousKeys) : undefined;
  const now = new Set(r.findings.map(findingKey));
  const fresh = prev ? r.findings.filter((v) => !prev.has(findingKey(v))) : r.findings;
  const fixed = prev ? [...prev].filter((k) => !now.has(k)).length : 0;
  const parts: string[] = [];
  if (fresh.length) {
    const files = [...new Set(fresh.map((v) => v.file))];
    parts.push(
      `${plural(fresh.length, prev ? 'new vulnerability' : 'vulnerability', prev ? 'new vulnerabilities' : 'vulnerabilities')} (${worstOf(fresh)}) in ${files.length <= 2 ? files.join(' and ') : `${files[0]} and ${files.length - 1} more lockfiles`}`,
    );
  } else if (prev) parts.push('no new vulnerabilities');
  else parts.push(`no known vulnerabilities in ${plural(r.packages, 'package', 'packages')}`);
  if (prev && (r.findings.length !== fresh.length || fixed))
    parts.push(`${r.findings.length} open, ${fixed} fixed since the last run`);
  if (r.ignored.length) parts.push(`${r.ignored.length} ignored`);
  return parts.join('; ');
}

/** "advisory data from 2026-12-01 (4 days old)", with a warning past `maxAge`. */
export function freshness(
  r: AuditResult,
  now: number,
  maxAgeMs: number,
): { text: string; stale: boolean } | undefined {
  const age = dataAge(r, now);
  if (age === undefined) return undefined;
  const oldest = Math.min(...r.advisories.map((a) => a.updatedAt));
  const days = Math.floor(age / day);
  const stale = age > maxAgeMs;
  return {
    text: `advisory data from ${new Date(oldest).toISOString().slice(0, 10)} (${days === 0 ? 'less than a day' : plural(days, 'day', 'days')} old${stale ? `, older than ${Math.round(maxAgeMs / day)} days: run \`vigil advisories update\`` : ''})`,
    stale,
  };
}

export const countBySeverity = (vs: readonly Vulnerability[]) =>
  Object.fromEntries(
    [...severities].reverse().map((s) => [s, vs.filter((v) => v.severity === s).length]),
  ) as Record<Severity, number>;

/** One finding as a line: "critical CVE-2021-23337 lodash 4.17.20 (fixed in 4.17.21) in app/package-lock.json: …". */
export const findingLine = (v: Vulnerability) =>
  `${v.severity}${v.score !== undefined ? ` ${v.score.toFixed(1)}` : ''} ${displayId(v)} ${v.package} ${v.version} (${v.fixed ? `fixed in ${v.fixed}` : 'no fix yet'}) in ${v.file}${v.summary ? `: ${v.summary}` : ''}`;

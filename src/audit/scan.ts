import { findLockfiles, type Lockfile } from './lockfiles.js';
import { type AdvisoryExport, affects, loadExport, osvName } from './osv.js';
import { type Severity, severityOf, severityRank } from './severity.js';
import type { Ecosystem } from './versions.js';

/** One advisory that affects one pinned package of one lockfile. */
export interface Vulnerability {
  /** the OSV id, e.g. GHSA-… or PYSEC-… */
  id: string;
  /** the CVE among its aliases, if any */
  cve?: string;
  aliases: string[];
  ecosystem: Ecosystem;
  package: string;
  version: string;
  file: string;
  severity: Severity;
  score?: number;
  vector?: string;
  /** the first release out of the affected range, when the advisory names one */
  fixed?: string;
  summary: string;
  url?: string;
}

/** An entry of the ignore list: an advisory (by any of its ids) a team has decided on, until a date. */
export interface IgnoreEntry {
  id: string;
  reason: string;
  /** ms; past it the entry no longer applies */
  until: number;
  package?: string;
}

export interface AuditResult {
  lockfiles: Omit<Lockfile, 'packages'>[];
  packages: number;
  advisories: { ecosystem: Ecosystem; file: string; records: number; updatedAt: number }[];
  /** problems that make the scan incomplete: lockfiles that do not parse, exports missing */
  errors: string[];
  findings: Vulnerability[];
  ignored: (Vulnerability & { reason: string; until: number })[];
  /** ignore entries past their date that matched a finding (it shows again) */
  expired: IgnoreEntry[];
}

/** The key a finding keeps across runs: the advisory in one package of one lockfile, whatever the version. */
export const findingKey = (v: Pick<Vulnerability, 'id' | 'ecosystem' | 'package' | 'file'>) =>
  `${v.id} ${v.ecosystem}/${v.package} ${v.file}`;

/** The name a reader knows an advisory by: its CVE, else its own id. */
export const displayId = (v: Pick<Vulnerability, 'id' | 'cve'>) => v.cve ?? v.id;

/**
 * Scan the lockfiles under `paths` against the OSV exports in `advisoriesDir`. Nothing here
 * throws for bad input: a lockfile that does not parse or an export that is absent or
 * corrupt is an entry of `errors`, so the caller never reads an incomplete scan as clean.
 */
export async function audit(opts: {
  paths: readonly string[];
  baseDir: string;
  advisoriesDir: string;
  now: number;
  ignore?: readonly IgnoreEntry[];
}): Promise<AuditResult> {
  const lockfiles = await findLockfiles(opts.paths, opts.baseDir);
  const errors = lockfiles.filter((l) => l.error).map((l) => `${l.file}: ${l.error}`);
  const wanted = new Map<Ecosystem, Set<string>>();
  for (const l of lockfiles) {
    if (l.error) continue;
    const set = wanted.get(l.ecosystem) ?? new Set<string>();
    for (const p of l.packages) set.add(osvName(l.ecosystem, p.name));
    wanted.set(l.ecosystem, set);
  }
  const exports = new Map<Ecosystem, AdvisoryExport>();
  for (const [eco, names] of wanted) {
    try {
      exports.set(eco, await loadExport(opts.advisoriesDir, eco, names));
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  const all: Vulnerability[] = [];
  for (const l of lockfiles) {
    const db = exports.get(l.ecosystem);
    if (l.error || !db) continue;
    const seen = new Set<string>();
    for (const p of l.packages) {
      const name = osvName(l.ecosystem, p.name);
      for (const rec of db.byPackage.get(name) ?? []) {
        const hit = affects(rec, l.ecosystem, name, p.version);
        if (!hit.affected) continue;
        const key = `${rec.id} ${p.name} ${p.version}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const sev = severityOf(rec, hit.entry);
        const cve = [rec.id, ...(rec.aliases ?? [])].find((a) => a.startsWith('CVE-'));
        const url = rec.references?.find((r) => r.type === 'ADVISORY')?.url ?? rec.references?.[0]?.url;
        all.push({
          id: rec.id,
          ...(cve ? { cve } : {}),
          aliases: rec.aliases ?? [],
          ecosystem: l.ecosystem,
          package: p.name,
          version: p.version,
          file: l.file,
          severity: sev.severity,
          ...(sev.score !== undefined ? { score: sev.score, vector: sev.vector } : {}),
          ...(hit.fixed ? { fixed: hit.fixed } : {}),
          summary: rec.summary ?? rec.details?.split('\n')[0]?.slice(0, 200) ?? '',
          ...(url ? { url } : {}),
        });
      }
    }
  }
  const findings: Vulnerability[] = [];
  const ignored: AuditResult['ignored'] = [];
  const expired = new Set<IgnoreEntry>();
  for (const v of all) {
    const entry = (opts.ignore ?? []).find(
      (i) => (i.id === v.id || v.aliases.includes(i.id)) && (!i.package || i.package === v.package),
    );
    if (entry && entry.until > opts.now) ignored.push({ ...v, reason: entry.reason, until: entry.until });
    else {
      if (entry) expired.add(entry);
      findings.push(v);
    }
  }
  findings.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      (b.score ?? 0) - (a.score ?? 0) ||
      a.file.localeCompare(b.file) ||
      a.package.localeCompare(b.package),
  );
  return {
    lockfiles: lockfiles.map(({ packages: _p, ...rest }) => rest),
    packages: lockfiles.reduce((n, l) => n + l.packages.length, 0),
    advisories: [...exports.values()].map((e) => ({
      ecosystem: e.ecosystem,
      file: e.file,
      records: e.records,
      updatedAt: e.updatedAt,
    })),
    errors,
    findings,
    ignored,
    expired: [...expired],
  };
}

/** The oldest advisory data the scan used, in ms, or undefined when it used none. */
export function dataAge(r: AuditResult, now: number): number | undefined {
  if (!r.advisories.length) return undefined;
  return now - Math.min(...r.advisories.map((a) => a.updatedAt));
}

export const atOrAbove = (v: { severity: Severity }, min: Severity) =>
  severityRank(v.severity) >= severityRank(min);

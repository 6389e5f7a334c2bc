import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { compareFor, compareSemver, type Ecosystem, sameVersion } from './versions.js';
import { readZip } from './zip.js';

/** The parts of an OSV record (https://ossf.github.io/osv-schema/) a scan reads. */
export interface OsvRecord {
  id: string;
  modified?: string;
  withdrawn?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  severity?: { type: string; score: string }[];
  affected?: OsvAffected[];
  database_specific?: { severity?: string };
  references?: { type?: string; url: string }[];
}

/** One event of a range: exactly one of its fields is set. */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvRange {
  type: string;
  events: OsvEvent[];
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string };
  ranges?: OsvRange[];
  versions?: string[];
  severity?: { type: string; score: string }[];
  database_specific?: { severity?: string };
}

/** One ecosystem's advisories, indexed by package name. */
export interface AdvisoryExport {
  ecosystem: Ecosystem;
  file: string;
  records: number;
  /** the newest `modified` of its records, or when it was downloaded if later (ms) */
  updatedAt: number;
  byPackage: Map<string, OsvRecord[]>;
}

/** A package name as OSV keys it: PyPI names in PEP 503 form, the rest as written. */
export const osvName = (eco: Ecosystem, name: string) =>
  eco === 'PyPI' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;

/** Where `vigil advisories update` keeps what it downloaded, beside the exports. */
export const fetchedFile = (dir: string, eco: Ecosystem) => path.join(dir, eco, 'fetched.json');

/**
 * Read `<dir>/<ecosystem>/all.zip`, the OSV export's published form. Only the records of
 * `wanted` packages are kept (a full npm export holds far more than a project uses). An absent
 * or corrupt export throws with what was expected: the caller shows it, never "no findings".
 */
export async function loadExport(
  dir: string,
  eco: Ecosystem,
  wanted?: ReadonlySet<string>,
): Promise<AdvisoryExport> {
  const file = path.join(dir, eco, 'all.zip');
  const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
    throw new Error(
      e.code === 'ENOENT'
        ? `no advisory data for ${eco}: ${file} is missing (run \`vigil advisories update\` or copy the OSV export there)`
        : `cannot read ${file}: ${e.message}`,
    );
  });
  const byPackage = new Map<string, OsvRecord[]>();
  let records = 0;
  let newest = 0;
  const decoder = new TextDecoder();
  const take = (name: string, data: Uint8Array) => {
    if (!name.endsWith('.json')) return;
    let rec: OsvRecord;
    try {
      rec = JSON.parse(decoder.decode(data)) as OsvRecord;
    } catch {
      throw new Error(`the advisory export ${file} holds ${name}, which is not JSON; download it again`);
    }
    if (typeof rec?.id !== 'string') return;
    records++;
    const m = rec.modified ? Date.parse(rec.modified) : Number.NaN;
    if (Number.isFinite(m) && m > newest) newest = m;
    if (rec.withdrawn) return;
    const names = new Set<string>();
    for (const a of rec.affected ?? [])
      if (a.package?.ecosystem?.split(':')[0] === eco) names.add(osvName(eco, a.package.name));
    for (const n of names) {
      if (wanted && !wanted.has(n)) continue;
      const list = byPackage.get(n);
      if (list) list.push(rec);
      else byPackage.set(n, [rec]);
    }
  };
  try {
    readZip(bytes, take);
  } catch (e) {
    const why = (e as Error).message;
    throw new Error(
      why.startsWith('the advisory export')
        ? why
        : `the advisory export ${file} is not a readable zip (${why}); download it again`,
    );
  }
  if (records === 0) throw new Error(`the advisory export ${file} holds no OSV records`);
  const fetched = await readFile(fetchedFile(dir, eco), 'utf8')
    .then((t) => Date.parse((JSON.parse(t) as { fetchedAt: string }).fetchedAt))
    .catch(() => Number.NaN);
  const mtime = newest ? 0 : ((await stat(file).catch(() => undefined))?.mtimeMs ?? 0);
  return {
    ecosystem: eco,
    file,
    records,
    updatedAt: Math.max(newest, Number.isFinite(fetched) ? fetched : 0, mtime),
    byPackage,
  };
}

/**
 * Whether `version` falls in one OSV range, by the schema's algorithm: events sorted in the
 * ecosystem's order, "introduced" opens, "fixed" closes at that version, "last_affected" just
 * after it. `introduced: "0"` is before every version.
 */
export function inRange(
  eco: Ecosystem,
  version: string,
  range: OsvRange,
): { affected: boolean; fixed?: string } {
  // a SEMVER range is in SemVer's order whatever the ecosystem; an ECOSYSTEM range in the ecosystem's
  const cmp = range.type === 'SEMVER' ? compareSemver : compareFor[eco];
  const at = (e: OsvEvent) => e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '0';
  const events = [...range.events].sort((a, b) =>
    at(a) === '0' ? (at(b) === '0' ? 0 : -1) : at(b) === '0' ? 1 : cmp(at(a), at(b)),
  );
  let affected = false;
  let fixed: string | undefined;
  for (const e of events) {
    if (e.introduced !== undefined) {
      if (e.introduced === '0' || cmp(version, e.introduced) >= 0) affected = true;
    } else if (e.fixed !== undefined) {
      if (cmp(version, e.fixed) >= 0) affected = false;
      else if (affected && fixed === undefined) fixed = e.fixed;
    } else if (e.last_affected !== undefined) {
      if (cmp(version, e.last_affected) > 0) affected = false;
    }
  }
  return affected ? { affected, ...(fixed ? { fixed } : {}) } : { affected };
}

/** Whether a record affects `name@version`, and the first version that fixes it if the record says. */
export function affects(
  rec: OsvRecord,
  eco: Ecosystem,
  name: string,
  version: string,
): { affected: boolean; fixed?: string; entry?: OsvAffected } {
  const v = eco === 'Go' ? version.replace(/^v/, '') : version;
  for (const a of rec.affected ?? []) {
    if (a.package?.ecosystem?.split(':')[0] !== eco || osvName(eco, a.package.name) !== name) continue;
    if (a.versions?.some((x) => sameVersion(eco, x, v))) {
      const fixed = fixedIn(a, eco, v);
      return { affected: true, entry: a, ...(fixed ? { fixed } : {}) };
    }
    for (const r of a.ranges ?? []) {
      if (r.type !== 'SEMVER' && r.type !== 'ECOSYSTEM') continue;
      const got = inRange(eco, v, r);
      if (got.affected) return { ...got, entry: a };
    }
  }
  return { affected: false };
}

function fixedIn(a: OsvAffected, eco: Ecosystem, v: string): string | undefined {
  for (const r of a.ranges ?? []) {
    if (r.type !== 'SEMVER' && r.type !== 'ECOSYSTEM') continue;
    const got = inRange(eco, v, r);
    if (got.fixed) return got.fixed;
  }
  return undefined;
}

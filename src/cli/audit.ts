import path from 'node:path';
import { toSarif } from '../audit/sarif.js';
import { atOrAbove, audit, displayId } from '../audit/scan.js';
import { type Severity, severities } from '../audit/severity.js';
import { updateAdvisories } from '../audit/update.js';
import { type Ecosystem, ecosystems } from '../audit/versions.js';
import { countBySeverity, freshness, headline } from '../audit/words.js';
import { parseDuration } from '../core/duration.js';
import { VigilError } from '../errors.js';
import { updateEol } from '../updates/eol.js';
import { version } from '../version.js';
import { type Io, paint, table } from './output.js';

const formats = ['table', 'json', 'sarif'] as const;
const tone: Record<Severity, string> = {
  critical: 'critical',
  high: 'critical',
  medium: 'warning',
  low: 'pending',
  unknown: 'unknown',
};

/**
 * `vigil audit [paths…]`: exit 1 when a finding is at or above --fail-on, 3 when the scan is
 * incomplete (a lockfile that does not parse, an export missing or corrupt), else 0.
 */
export async function auditCommand(
  io: Io,
  paths: string[],
  o: { advisories: string; format: string; failOn: string; maxAge: string },
): Promise<number> {
  if (!(formats as readonly string[]).includes(o.format))
    throw new VigilError('USAGE', `--format ${o.format} is not one of ${formats.join(', ')}`, {
      hint: 'table for people, json for scripts, sarif for GitHub code scanning',
    });
  if (!(severities as readonly string[]).includes(o.failOn))
    throw new VigilError('USAGE', `--fail-on ${o.failOn} is not a severity`, {
      hint: `one of: ${severities.join(', ')}`,
    });
  const maxAge = parseDuration(o.maxAge);
  if (maxAge === undefined)
    throw new VigilError('USAGE', `--max-age ${o.maxAge} is not a duration`, { hint: 'e.g. 7d' });
  const now = Date.now();
  const r = await audit({
    paths: paths.length ? paths : ['.'],
    baseDir: io.cwd,
    advisoriesDir: path.resolve(io.cwd, o.advisories),
    now,
  });
  const fresh = freshness(r, now, maxAge);
  if (o.format === 'sarif') io.out(JSON.stringify(toSarif(r, version), null, 2));
  else if (o.format === 'json')
    io.out(
      JSON.stringify(
        {
          summary: headline(r, undefined),
          counts: countBySeverity(r.findings),
          packages: r.packages,
          lockfiles: r.lockfiles,
          advisories: r.advisories.map((a) => ({ ...a, updatedAt: new Date(a.updatedAt).toISOString() })),
          advisories_stale: fresh?.stale ?? null,
          errors: r.errors,
          findings: r.findings,
          expired_ignores: r.expired,
        },
        null,
        2,
      ),
    );
  else {
    if (r.findings.length)
      io.out(
        table([
          ['SEVERITY', 'ID', 'PACKAGE', 'VERSION', 'FIXED IN', 'LOCKFILE'],
          ...r.findings.map((v) => [
            paint(io, tone[v.severity], v.severity + (v.score !== undefined ? ` ${v.score.toFixed(1)}` : '')),
            displayId(v),
            v.package,
            v.version,
            v.fixed ?? '-',
            v.file,
          ]),
        ]),
      );
    io.out(headline(r, undefined));
  }
  // status lines go to stderr so that json and sarif stay parseable
  const note = o.format === 'table' ? io.out : io.err;
  if (fresh) note(`${fresh.stale ? 'warning: ' : ''}${fresh.text}`);
  for (const e of r.errors) io.err(`error: ${e}`);
  if (r.findings.some((v) => atOrAbove(v, o.failOn as Severity))) return 1;
  return r.errors.length ? 3 : 0;
}

/** `vigil advisories update`: exit 3 when any ecosystem could not be downloaded. */
export async function advisoriesUpdateCommand(
  io: Io,
  o: { dir: string; ecosystems?: string; url?: string; json?: boolean },
): Promise<number> {
  const wanted = o.ecosystems ? o.ecosystems.split(',').map((s) => s.trim()) : [...ecosystems];
  const unknown = wanted.filter((e) => !(ecosystems as readonly string[]).includes(e));
  if (unknown.length)
    throw new VigilError('USAGE', `unknown ecosystem ${unknown.join(', ')}`, {
      hint: `one or more of: ${ecosystems.join(', ')} (OSV's spelling)`,
    });
  const dir = path.resolve(io.cwd, o.dir);
  const outcomes = await updateAdvisories({
    dir,
    ecosystems: wanted as Ecosystem[],
    ...(o.url ? { base: o.url } : {}),
    now: Date.now(),
  });
  if (o.json) io.out(JSON.stringify({ dir, outcomes }, null, 2));
  else
    for (const u of outcomes)
      (u.status === 'failed' ? io.err : io.out)(
        u.status === 'downloaded'
          ? `${u.ecosystem}: ${u.records} advisories (${Math.round((u.bytes ?? 0) / 1024)} KiB) in ${path.join(dir, u.ecosystem, 'all.zip')}`
          : u.status === 'unchanged'
            ? `${u.ecosystem}: unchanged since the last download`
            : `${u.ecosystem}: failed: ${u.error}`,
      );
  return outcomes.some((u) => u.status === 'failed') ? 3 : 0;
}

/** `vigil eol update --products nodejs,postgresql`: exit 3 when any product could not be downloaded. */
export async function eolUpdateCommand(
  io: Io,
  o: { products: string; dir: string; url?: string },
): Promise<number> {
  const products = o.products
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!products.length || products.some((p) => !/^[a-z0-9][a-z0-9._-]*$/.test(p)))
    throw new VigilError('USAGE', `--products ${o.products} is not a list of product names`, {
      hint: 'endoflife.date names, e.g. nodejs,postgresql,nginx',
    });
  const dir = path.resolve(io.cwd, o.dir);
  const got = await updateEol({ dir, products, ...(o.url ? { base: o.url } : {}) });
  for (const g of got)
    if (g.error) io.err(`${g.product}: failed: ${g.error}`);
    else io.out(`${g.product}: ${g.cycles} release cycles in ${path.join(dir, `${g.product}.json`)}`);
  return got.some((g) => g.error) ? 3 : 0;
}

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';

/** The parts of an npm packument (GET <registry>/<name>) that say what is latest and when. */
interface Packument {
  'dist-tags'?: { latest?: string };
  time?: Record<string, string>;
  versions?: Record<string, unknown>;
}

export interface Outdated {
  name: string;
  current: string;
  latest: string;
  /** Renovate's grouping: how big the step to latest is */
  update: 'major' | 'minor' | 'patch';
  /** ms since the first release after `current` came out: how long the project has been behind */
  behindMs: number | null;
  /** when `latest` was published */
  latestAt: number | null;
}

export interface RegistryLookup {
  outdated: Outdated[];
  upToDate: number;
  /** packages the registry could not answer for, and why */
  failed: { name: string; error: string }[];
  /** answered from the cache, because it was fresh or the registry was unreachable */
  fromCache: number;
  offline: boolean;
}

const encode = (name: string) =>
  name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);

/**
 * What `npm view <name> dist-tags time` asks, over HTTP, for each package: its latest version
 * and when each version came out. Answers are cached on disk for `ttlMs`; when the registry
 * cannot be reached the cache answers whatever its age, and `offline` says so.
 */
export async function lookupLatest(
  packages: readonly { name: string; version: string }[],
  opts: {
    registry: string;
    cacheDir: string;
    ttlMs: number;
    now: number;
    timeoutMs: number;
    fetch?: typeof globalThis.fetch;
  },
): Promise<RegistryLookup> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const base = opts.registry.replace(/\/+$/, '');
  await mkdir(opts.cacheDir, { recursive: true });
  const out: RegistryLookup = { outdated: [], upToDate: 0, failed: [], fromCache: 0, offline: false };
  for (const p of packages) {
    const cacheFile = path.join(opts.cacheDir, `${encode(p.name)}.json`);
    const cached = await readFile(cacheFile, 'utf8')
      .then((t) => JSON.parse(t) as { at: number; doc: Packument })
      .catch(() => undefined);
    let doc: Packument | undefined;
    if (cached && opts.now - cached.at < opts.ttlMs) {
      doc = cached.doc;
      out.fromCache++;
    } else if (!out.offline) {
      try {
        const res = await doFetch(`${base}/${encode(p.name)}`, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        if (res.status === 404) {
          out.failed.push({ name: p.name, error: 'not in the registry' });
          continue;
        }
        if (!res.ok) throw new Error(`registry answered ${res.status}`);
        const full = (await res.json()) as Packument;
        doc = {
          'dist-tags': full['dist-tags'] ?? {},
          time: full.time ?? {},
          versions: Object.fromEntries(Object.keys(full.versions ?? {}).map((v) => [v, 1])),
        };
        const tmp = `${cacheFile}.${process.pid}.part`;
        await writeFile(tmp, JSON.stringify({ at: opts.now, doc }));
        await rename(tmp, cacheFile);
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        // a refused connection or a timeout means offline: stop asking, use what is cached
        if (err.name === 'TimeoutError' || err.name === 'TypeError') out.offline = true;
        else out.failed.push({ name: p.name, error: err.message });
      }
    }
    if (!doc && cached) {
      doc = cached.doc;
      out.fromCache++;
    }
    if (!doc) {
      if (out.offline) out.failed.push({ name: p.name, error: 'registry unreachable and nothing cached' });
      continue;
    }
    const latest = doc['dist-tags']?.latest;
    const current =
      semver.valid(semver.coerce(p.version, { includePrerelease: true }) ?? p.version) ?? undefined;
    if (!latest || !current || !semver.valid(latest)) {
      out.failed.push({ name: p.name, error: `cannot compare ${p.version} with ${latest ?? 'no latest'}` });
      continue;
    }
    if (!semver.gt(latest, current)) {
      out.upToDate++;
      continue;
    }
    const diff = semver.diff(current, latest);
    const update =
      diff === 'major' || diff === 'premajor'
        ? 'major'
        : diff === 'minor' || diff === 'preminor'
          ? 'minor'
          : 'patch';
    const newer = Object.keys(doc.versions ?? doc.time ?? {})
      .filter((v) => semver.valid(v) && !semver.prerelease(v) && semver.gt(v, current))
      .map((v) => Date.parse(doc.time?.[v] ?? ''))
      .filter(Number.isFinite);
    const first = newer.length ? Math.min(...newer) : Number.NaN;
    const latestAt = Date.parse(doc.time?.[latest] ?? '');
    out.outdated.push({
      name: p.name,
      current: p.version,
      latest,
      update,
      behindMs: Number.isFinite(first) ? opts.now - first : null,
      latestAt: Number.isFinite(latestAt) ? latestAt : null,
    });
  }
  return out;
}

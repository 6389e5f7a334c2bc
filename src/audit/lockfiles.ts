import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Ecosystem } from './versions.js';

/** One installed package a lockfile pins. */
export interface Pinned {
  name: string;
  version: string;
  /** named by the project itself (not pulled in by another package), where the lockfile says */
  direct?: boolean;
}

/** What one lockfile holds, or why it could not be read. */
export interface Lockfile {
  /** as given or found, relative to where the scan started when it was found in a folder */
  file: string;
  ecosystem: Ecosystem;
  packages: Pinned[];
  /** lines or entries the parser passed over on purpose, e.g. unpinned requirements */
  notes: string[];
  error?: string;
}

type Parser = (text: string, file: string) => { packages: Pinned[]; notes?: string[] };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** package-lock.json v2/v3 (`packages`, keyed by install path) and v1 (nested `dependencies`). */
const packageLock: Parser = (text) => {
  const doc = JSON.parse(text) as unknown;
  if (!isRecord(doc)) throw new Error('not a JSON object');
  const out: Pinned[] = [];
  if (isRecord(doc.packages)) {
    const root = isRecord(doc.packages['']) ? doc.packages[''] : {};
    const direct = new Set(
      ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].flatMap((k) =>
        isRecord(root[k]) ? Object.keys(root[k]) : [],
      ),
    );
    for (const [key, p] of Object.entries(doc.packages)) {
      if (key === '' || !isRecord(p) || p.link === true || typeof p.version !== 'string') continue;
      const at = key.lastIndexOf('node_modules/');
      if (at < 0) continue; // a workspace folder, the project's own code
      const name = typeof p.name === 'string' ? p.name : key.slice(at + 'node_modules/'.length);
      out.push({ name, version: p.version, direct: key === `node_modules/${name}` && direct.has(name) });
    }
    return { packages: out };
  }
  if (!isRecord(doc.dependencies)) throw new Error('neither "packages" (v2/v3) nor "dependencies" (v1)');
  const walk = (deps: Record<string, unknown>, top: boolean) => {
    for (const [name, d] of Object.entries(deps)) {
      if (!isRecord(d) || typeof d.version !== 'string') continue;
      if (!d.version.startsWith('file:'))
        out.push({ name, version: d.version, direct: top && d.dev !== true });
      if (isRecord(d.dependencies)) walk(d.dependencies, false);
    }
  };
  walk(doc.dependencies, true);
  return { packages: out };
};

/** "lodash@^4.17.0" or "@babel/core@npm:^7": the name before the version's "@". */
const specName = (spec: string) => {
  const s = spec.trim().replace(/^"|"$/g, '');
  const at = s.indexOf('@', 1);
  return at < 0 ? s : s.slice(0, at);
};

/** yarn.lock, classic (v1, its own format) and Berry (YAML with `__metadata`). */
const yarnLock: Parser = (text) => {
  const out: Pinned[] = [];
  const seen = new Set<string>();
  const add = (header: string, version: string) => {
    if (/@(workspace|link|portal|file):/.test(header)) return;
    const name = specName(header.split(',')[0]!);
    if (!name || seen.has(`${name}@${version}`)) return;
    seen.add(`${name}@${version}`);
    out.push({ name, version });
  };
  if (/^__metadata:/m.test(text)) {
    const doc = parseYaml(text) as unknown;
    if (!isRecord(doc)) throw new Error('not a YAML mapping');
    for (const [key, v] of Object.entries(doc))
      if (key !== '__metadata' && isRecord(v) && v.version !== undefined) add(key, String(v.version));
    return { packages: out };
  }
  let header: string | undefined;
  let entries = 0;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      if (!line.trimEnd().endsWith(':')) throw new Error(`unexpected line: ${line.slice(0, 80)}`);
      header = line.trimEnd().slice(0, -1);
      entries++;
      continue;
    }
    const m = /^ {2}version:? "?([^"\s]+)"?/.exec(line);
    if (m && header !== undefined) add(header, m[1]!);
  }
  if (entries && !out.length) throw new Error('entries without versions');
  return { packages: out };
};

/** pnpm-lock.yaml: `packages` keys `/name/1.0.0` (v5), `/name@1.0.0` (v6), `name@1.0.0(peer@2)` (v9). */
const pnpmLock: Parser = (text) => {
  const doc = parseYaml(text) as unknown;
  if (!isRecord(doc)) throw new Error('not a YAML mapping');
  if (!isRecord(doc.packages)) return { packages: [], notes: ['no packages section'] };
  const out: Pinned[] = [];
  const seen = new Set<string>();
  for (const raw of Object.keys(doc.packages)) {
    const key = raw.replace(/^\//, '').replace(/\(.*$/, '');
    // v5 keys are /name/version (a peer suffix after "_"); later ones name@version
    const v5 = /^((?:@[^/]+\/)?[^/@]+)\/([^/]+)$/.exec(key);
    const at = key.indexOf('@', 1);
    const [name, version] = v5
      ? [v5[1]!, v5[2]!.replace(/_.*$/, '')]
      : at > 0
        ? [key.slice(0, at), key.slice(at + 1)]
        : ['', ''];
    if (!name || !version || seen.has(`${name}@${version}`)) continue;
    seen.add(`${name}@${version}`);
    out.push({ name, version });
  }
  return { packages: out };
};

/** PEP 503's normal form of a Python project name. */
export const pypiName = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');

/** requirements.txt: `name==1.2.3` pins (extras, markers and hashes allowed); other lines noted. */
const requirements: Parser = (text) => {
  const out: Pinned[] = [];
  const notes: string[] = [];
  for (const [i, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.replace(/(^|\s)#.*$/, '').trim();
    if (!line || line.startsWith('-')) continue; // options: -r, -e, --hash on a continuation line
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;\\,]+)/.exec(line);
    if (m) out.push({ name: pypiName(m[1]!), version: m[2]!, direct: true });
    else notes.push(`line ${i + 1} is not pinned with ==, not checked: ${line.slice(0, 60)}`);
  }
  return { packages: out, notes };
};

/** The `[[package]]` tables of a TOML lockfile (poetry.lock, Cargo.lock): their name, version and source. */
function tomlPackages(text: string): Record<string, string>[] {
  const tables: Record<string, string>[] = [];
  let cur: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t.startsWith('[')) {
      cur = t === '[[package]]' ? {} : undefined;
      if (cur) tables.push(cur);
      continue;
    }
    const m = /^([A-Za-z_-]+)\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(t);
    if (m && cur) cur[m[1]!] = m[2]!;
  }
  if (!tables.length && text.trim()) throw new Error('no [[package]] tables');
  return tables;
}

const poetryLock: Parser = (text) => ({
  packages: tomlPackages(text)
    .filter((p) => p.name && p.version)
    .map((p) => ({ name: pypiName(p.name!), version: p.version! })),
});

const cargoLock: Parser = (text) => ({
  // a package without a source is one of the workspace's own crates
  packages: tomlPackages(text)
    .filter((p) => p.name && p.version && p.source)
    .map((p) => ({ name: p.name!, version: p.version! })),
});

/** go.sum: each module version whose code was downloaded (a hash line without `/go.mod`). */
const goSum: Parser = (text) => {
  const out: Pinned[] = [];
  const seen = new Set<string>();
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3 || !parts[2]!.startsWith('h1:'))
      throw new Error(`line ${i + 1} is not "module version h1:hash"`);
    const [mod, ver] = parts as [string, string];
    if (ver.endsWith('/go.mod') || seen.has(`${mod}@${ver}`)) continue;
    seen.add(`${mod}@${ver}`);
    out.push({ name: mod, version: ver });
  }
  return { packages: out };
};

/** Gemfile.lock: the specs of its GEM sections, `    name (1.2.3)` or with a platform `(1.13.10-x86_64-linux)`. */
const gemfileLock: Parser = (text) => {
  const out: Pinned[] = [];
  let section = '';
  let inSpecs = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^[A-Z]/.test(line)) {
      section = line.trim();
      inSpecs = false;
      continue;
    }
    if (/^ {2}specs:/.test(line)) {
      inSpecs = true;
      continue;
    }
    const m = /^ {4}([^\s(]+) \(([^)]+)\)$/.exec(line);
    if (m && inSpecs && section === 'GEM') out.push({ name: m[1]!, version: m[2]!.split('-')[0]! });
  }
  if (!out.length && !/^GEM$/m.test(text)) throw new Error('no GEM section');
  return { packages: out };
};

const composerLock: Parser = (text) => {
  const doc = JSON.parse(text) as unknown;
  if (!isRecord(doc) || !Array.isArray(doc.packages)) throw new Error('no "packages" array');
  const out: Pinned[] = [];
  for (const p of [...doc.packages, ...(Array.isArray(doc['packages-dev']) ? doc['packages-dev'] : [])])
    if (isRecord(p) && typeof p.name === 'string' && typeof p.version === 'string')
      out.push({ name: p.name, version: p.version.replace(/^v(?=\d)/, '') });
  return { packages: out };
};

/** Each lockfile Vigil reads, by its file name. */
export const lockfileKinds: Record<string, { ecosystem: Ecosystem; parse: Parser }> = {
  'package-lock.json': { ecosystem: 'npm', parse: packageLock },
  'npm-shrinkwrap.json': { ecosystem: 'npm', parse: packageLock },
  'yarn.lock': { ecosystem: 'npm', parse: yarnLock },
  'pnpm-lock.yaml': { ecosystem: 'npm', parse: pnpmLock },
  'requirements.txt': { ecosystem: 'PyPI', parse: requirements },
  'poetry.lock': { ecosystem: 'PyPI', parse: poetryLock },
  'go.sum': { ecosystem: 'Go', parse: goSum },
  'Cargo.lock': { ecosystem: 'crates.io', parse: cargoLock },
  'Gemfile.lock': { ecosystem: 'RubyGems', parse: gemfileLock },
  'composer.lock': { ecosystem: 'Packagist', parse: composerLock },
};

const kindOf = (file: string) =>
  lockfileKinds[path.basename(file)] ??
  (/requirements[^/]*\.txt$/.test(path.basename(file)) ? lockfileKinds['requirements.txt'] : undefined);

/** Read one lockfile; a file that does not parse is returned with its error, never thrown. */
export async function readLockfile(file: string, shown = file): Promise<Lockfile> {
  const kind = kindOf(file);
  if (!kind)
    return { file: shown, ecosystem: 'npm', packages: [], notes: [], error: 'not a lockfile Vigil reads' };
  try {
    const r = kind.parse(await readFile(file, 'utf8'), file);
    return { file: shown, ecosystem: kind.ecosystem, packages: r.packages, notes: r.notes ?? [] };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      file: shown,
      ecosystem: kind.ecosystem,
      packages: [],
      notes: [],
      error: `does not parse: ${why}`,
    };
  }
}

const skipDirs = new Set([
  'node_modules',
  '.git',
  'vendor',
  'target',
  '.venv',
  'venv',
  '__pycache__',
  'dist',
]);

/**
 * The lockfiles under each path (a file is taken as it is; a folder is searched four levels
 * deep, past node_modules, vendor and the like). Paths resolve from `baseDir`; a path that
 * does not exist is a lockfile entry with an error, so a typo is not a clean scan.
 */
export async function findLockfiles(paths: readonly string[], baseDir: string): Promise<Lockfile[]> {
  const out: Lockfile[] = [];
  for (const p of paths) {
    const abs = path.resolve(baseDir, p);
    const st = await stat(abs).catch(() => undefined);
    if (!st) {
      out.push({ file: p, ecosystem: 'npm', packages: [], notes: [], error: 'no such file or folder' });
      continue;
    }
    if (st.isFile()) {
      out.push(await readLockfile(abs, p));
      continue;
    }
    const found: string[] = [];
    const walk = async (dir: string, depth: number) => {
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const full = path.join(dir, e.name);
        if (e.isDirectory() && depth < 4 && !skipDirs.has(e.name)) await walk(full, depth + 1);
        else if (e.isFile() && kindOf(full)) found.push(full);
      }
    };
    await walk(abs, 0);
    if (!found.length)
      out.push({
        file: p,
        ecosystem: 'npm',
        packages: [],
        notes: [],
        error: 'no lockfile found in this folder',
      });
    for (const f of found.sort()) out.push(await readLockfile(f, path.relative(baseDir, f) || f));
  }
  return out;
}

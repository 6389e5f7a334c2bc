import { createRequire } from 'node:module';
import type Pep440 from '@renovatebot/pep440';
import type * as RubyGems from '@renovatebot/ruby-semver';
import type Semver from 'semver';

// The version libraries are required by the first comparison, not by every command whose config
// schema lists the audit step (they are CommonJS, so a synchronous require keeps compare sync).
const load = createRequire(import.meta.url);
let libs: { semver: typeof Semver; pep440: typeof Pep440; rubygems: typeof RubyGems } | undefined;
const lib = () =>
  (libs ??= {
    semver: load('semver') as typeof Semver,
    pep440: load('@renovatebot/pep440') as typeof Pep440,
    rubygems: load('@renovatebot/ruby-semver') as typeof RubyGems,
  });

/** The OSV ecosystems Vigil reads lockfiles of, named as OSV names them (and its export folders). */
export const ecosystems = ['npm', 'PyPI', 'Go', 'crates.io', 'RubyGems', 'Packagist'] as const;
export type Ecosystem = (typeof ecosystems)[number];

/** A total order on one ecosystem's versions: negative, zero or positive as a is below, equal to or above b. */
export type Compare = (a: string, b: string) => number;

const cmpStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** SemVer 2.0 precedence (build metadata ignored), as OSV's SEMVER ranges and npm and Cargo order versions. */
export function compareSemver(a: string, b: string): number {
  const pa = lib().semver.parse(a.replace(/^v/, ''), { loose: true });
  const pb = lib().semver.parse(b.replace(/^v/, ''), { loose: true });
  if (pa && pb) return pa.compare(pb);
  // a version the library cannot read sorts as text, which at least keeps equal ones equal
  return cmpStrings(a, b);
}

/**
 * Go modules: semver with a "v", where a pseudo-version (v0.0.0-20191109021931-daa7c04131f5,
 * v1.2.4-0.20191109021931-…) is a pre-release of the next version, and `+incompatible` is
 * build metadata: SemVer's own precedence gives both, so the semver library does.
 */
export const compareGo: Compare = compareSemver;

/** PEP 440 (epochs `1!2.0`, post-releases `1.0.post1`, dev and local versions) by the library Renovate uses. */
export function comparePep440(a: string, b: string): number {
  if (lib().pep440.valid(a) && lib().pep440.valid(b)) return lib().pep440.compare(a, b);
  return cmpStrings(a, b);
}

/** RubyGems' Gem::Version order, where a letter starts a pre-release: 1.0.0.pre < 1.0.0. */
export function compareRubyGems(a: string, b: string): number {
  if (!lib().rubygems.valid(a) || !lib().rubygems.valid(b)) return cmpStrings(a, b);
  return lib().rubygems.eq(a, b) ? 0 : lib().rubygems.gt(a, b) ? 1 : -1;
}

/*
 * Composer orders versions as PHP's version_compare() after its own normalising (a leading "v"
 * dropped, "-", "_" and "+" as separators, a letter run apart from digits). No well-kept npm
 * package implements that order (the ones found are abandoned ports of Composer's constraint
 * parser), so it is written here from PHP's documented rules: any string < dev < alpha = a <
 * beta = b < RC = rc < a number < pl = p = patch, on the release padded to four numbers as Composer's
 * VersionParser does.
 */
const special: Record<string, number> = {
  dev: 0,
  alpha: 1,
  a: 1,
  beta: 2,
  b: 2,
  rc: 3,
  '#': 4,
  pl: 5,
  p: 5,
  patch: 5,
};
function phpParts(v: string): string[] {
  const parts = v
    .replace(/^v(?=\d)/i, '')
    .replace(/[-_+]/g, '.')
    .replace(/(\d)([a-z])/gi, '$1.$2')
    .replace(/([a-z])(\d)/gi, '$1.$2')
    .split('.')
    .filter((p) => p !== '');
  // Composer normalises the release to four numbers first: 1.0 is 1.0.0.0
  let n = 0;
  while (n < parts.length && /^\d+$/.test(parts[n]!)) n++;
  if (n < 4) parts.splice(n, 0, ...Array<string>(4 - n).fill('0'));
  return parts;
}
function phpRank(p: string): number {
  if (/^\d+$/.test(p)) return special['#']!;
  return special[p.toLowerCase()] ?? -1;
}
export function compareComposer(a: string, b: string): number {
  const pa = phpParts(a);
  const pb = phpParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    // PHP: a missing part against a number is lower; against a word, the word decides ("1.0" > "1.0rc1")
    if (x === undefined) return /^\d+$/.test(y!) ? -1 : phpRank(y!) >= special.pl! ? -1 : 1;
    if (y === undefined) return /^\d+$/.test(x) ? 1 : phpRank(x) >= special.pl! ? 1 : -1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    const c = nx && ny ? Math.sign(Number(x) - Number(y)) : Math.sign(phpRank(x) - phpRank(y));
    if (c !== 0) return c;
  }
  return 0;
}

export const compareFor: Record<Ecosystem, Compare> = {
  npm: compareSemver,
  'crates.io': compareSemver,
  Go: compareGo,
  PyPI: comparePep440,
  RubyGems: compareRubyGems,
  Packagist: compareComposer,
};

/** Two spellings of one version are equal in `versions` lists ("1.0" and "1.0.0" in PyPI). */
export function sameVersion(eco: Ecosystem, a: string, b: string): boolean {
  return a === b || compareFor[eco](a, b) === 0;
}

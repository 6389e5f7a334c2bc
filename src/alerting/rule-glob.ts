import fs from 'node:fs';
import { globSync } from 'tinyglobby';
import { VigilError } from '../errors.js';

/**
 * `rule_files` globs, bounded: `/**\/*.yml` walked the whole disk and hung
 * `vigil validate`. The walk stops past a number of directories, a time, or a
 * number of matches, and says which; a file reached twice (a symlink loop, or
 * two patterns) is loaded once, by its real path.
 */
export interface RuleGlobLimits {
  dirs: number;
  ms: number;
  files: number;
  depth: number;
}

export const ruleGlobLimits: Readonly<RuleGlobLimits> = Object.freeze({
  /** directories one pattern may read */
  dirs: 10_000,
  /** milliseconds one pattern may walk */
  ms: 2_000,
  /** files one pattern may match */
  files: 1_000,
  /** directory levels below the pattern's fixed part */
  depth: 16,
});

export function expandGlob(
  pattern: string,
  limits = ruleGlobLimits,
  now = () => performance.now(),
): string[] {
  const started = now();
  let dirs = 0;
  let exceeded: string | undefined;
  // The walk runs synchronously, so it is bounded from inside: past a limit every directory reads as empty.
  const readdirSync = ((dir: fs.PathLike, opts: unknown) => {
    if (exceeded) return [];
    if (++dirs > limits.dirs) exceeded = `read more than ${limits.dirs} directories`;
    else if (now() - started > limits.ms) exceeded = `took more than ${limits.ms} ms`;
    if (exceeded) return [];
    return fs.readdirSync(dir, opts as { withFileTypes: true });
  }) as typeof fs.readdirSync;
  const found = globSync(pattern, {
    absolute: true,
    onlyFiles: true,
    expandDirectories: false,
    deep: limits.depth,
    fs: { readdirSync },
  });
  if (exceeded) {
    throw new VigilError('CONFIG_INVALID', `rule_files pattern ${pattern} ${exceeded} while matching`, {
      hint: 'name the rules directory itself, e.g. rules/*.yml, not a pattern that walks the whole disk',
    });
  }
  const files = new Map<string, string>();
  for (const f of found.sort()) {
    let real: string;
    try {
      real = fs.realpathSync(f);
    } catch {
      real = f;
    }
    if (!files.has(real)) files.set(real, f);
  }
  if (files.size > limits.files) {
    throw new VigilError(
      'CONFIG_INVALID',
      `rule_files pattern ${pattern} matches ${files.size} files, more than the limit of ${limits.files}`,
      { hint: 'name the rules directory itself, e.g. rules/*.yml' },
    );
  }
  return [...files.values()];
}

/**
 * A glob as used in include/exclude lists, matched against paths relative to
 * the backed-up directory: `*` within one segment, `**` across segments, `?`
 * one character. A pattern without "/" matches a name at any depth, as in
 * .gitignore (`*.log` excludes logs everywhere).
 */
export function globToRegExp(glob: string): RegExp {
  const anchored = glob.includes('/');
  const body = glob
    .replace(/^\//, '')
    .split(/(\*\*\/?|\*|\?)/)
    .map((part) => {
      if (part === '**/') return '(?:.*/)?';
      if (part === '**') return '.*';
      if (part === '*') return '[^/]*';
      if (part === '?') return '[^/]';
      return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  // A directory pattern also covers everything under it.
  return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}(?:/.*)?$`);
}

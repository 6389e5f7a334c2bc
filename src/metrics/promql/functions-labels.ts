import { compareLabels, labelsKey, withLabel } from '../../core/labels.js';
import type { Labels } from '../types.js';
import { evalError } from './errors.js';
import { isValidLabelName } from './lexical.js';
import { naturalLess } from './numeric.js';
import { type AnchoredRegex, compileAnchored } from './regex.js';
import type { VSample } from './values.js';

/** label_replace, label_join and sort_by_label: functions of the label sets. */

/**
 * Go's regexp.Expand template: `$1`, `${1}`, `$name`, `${name}`, `$$`. A name is
 * the longest run of word characters, so `$1x` means group "1x" (empty).
 */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    const braced = /^\{(\w+)\}/.exec(template.slice(i + 1));
    const bare = braced ? null : /^\w+/.exec(template.slice(i + 1));
    const name = braced ? braced[1]! : bare ? bare[0] : undefined;
    if (name === undefined) {
      out += '$';
      i++;
      continue;
    }
    i += 1 + (braced ? braced[0].length : name.length);
    if (/^\d+$/.test(name)) out += m[Number(name)] ?? '';
    else out += m.groups?.[name] ?? '';
  }
  return out;
}

function checkUnique(samples: VSample[]): VSample[] {
  const seen = new Set<string>();
  for (const s of samples) {
    const k = labelsKey(s.labels);
    if (seen.has(k)) throw evalError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
  return samples;
}

export function labelReplace(
  input: VSample[],
  dst: string,
  repl: string,
  src: string,
  regex: string,
): VSample[] {
  let re: AnchoredRegex;
  try {
    re = compileAnchored(regex);
  } catch {
    throw evalError(`invalid regular expression in label_replace(): ${regex}`);
  }
  if (!isValidLabelName(dst)) throw evalError(`invalid destination label name in label_replace(): ${dst}`);
  const out = input.map((s) => {
    const m = re.exec(s.labels[src] ?? '');
    if (!m) return s;
    const labels = withLabel(s.labels, dst, expandTemplate(repl, m));
    const dropName = dst === '__name__' ? false : s.dropName === true;
    return { labels, v: s.v, ...(dropName ? { dropName } : {}) };
  });
  return checkUnique(out);
}

export function labelJoin(input: VSample[], dst: string, sep: string, srcs: string[]): VSample[] {
  for (const src of srcs) {
    if (!isValidLabelName(src)) throw evalError(`invalid source label name in label_join(): ${src}`);
  }
  if (!isValidLabelName(dst)) throw evalError(`invalid destination label name in label_join(): ${dst}`);
  const out = input.map((s) => {
    const labels = withLabel(s.labels, dst, srcs.map((n) => s.labels[n] ?? '').join(sep));
    const dropName = dst === '__name__' ? false : s.dropName === true;
    return { labels, v: s.v, ...(dropName ? { dropName } : {}) };
  });
  return checkUnique(out);
}

export function sortByLabel(input: VSample[], names: string[], desc: boolean): VSample[] {
  const dir = desc ? -1 : 1;
  const cmp = (a: Labels, b: Labels): number => {
    for (const n of names) {
      const x = a[n] ?? '';
      const y = b[n] ?? '';
      if (x === y) continue;
      return naturalLess(x, y) ? -dir : dir;
    }
    return dir * compareLabels(a, b);
  };
  return [...input].sort((a, b) => cmp(a.labels, b.labels));
}

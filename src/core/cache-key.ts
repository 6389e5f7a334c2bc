/**
 * A cheap key for in-memory caches of series: the name and labels in the order
 * they were written. Vigil writes a check's labels in the same order every run,
 * so a series keeps one key; another order only costs a second cache entry,
 * never a second series (the stored identity sorts the labels).
 */
export function cacheKey(name: string, labels: Readonly<Record<string, string>> | undefined): string {
  let key = name;
  if (labels) for (const k in labels) key += `\u0000${k}\u0001${labels[k]}`;
  return key;
}

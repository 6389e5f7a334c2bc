import type { Series } from './types.js';

/**
 * Selections a queryable returns already as the evaluator wants them: in
 * Prometheus's label order, with no empty-valued labels. The evaluator sorts
 * every other selection itself; a marked one it takes as it is, so a store
 * that keeps its series in order (the head) spares keying every label set on
 * every query.
 */
const ordered = new WeakSet<readonly Series[]>();

export function markInLabelOrder<T extends readonly Series[]>(list: T): T {
  ordered.add(list);
  return list;
}

export function isInLabelOrder(list: readonly Series[]): boolean {
  return ordered.has(list);
}

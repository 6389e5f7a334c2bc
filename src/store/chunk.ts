import type { StoreDialect } from './dialects/capabilities.js';

/**
 * Split rows so one multi-row INSERT (or one `IN (…)` list) stays under the dialect's
 * bound-parameter limit.
 *
 * Where the dialect keeps every distinct SQL text prepared for the life of the connection
 * (SQLite, see `reusingStatements`), each row count is a statement of its own that is never
 * freed: lists whose length follows the data (a batch of outcomes, the series a query matched)
 * would add statements for as long as the daemon runs. There the pieces are powers of two
 * (300 rows go as 256 + 32 + 8 + 4), so a statement shape has at most ~15 sizes.
 */
export function chunk<T>(
  rows: readonly T[],
  columns: number,
  d: Pick<StoreDialect, 'maxParams' | 'keepsStatements'>,
): T[][] {
  const most = Math.max(1, Math.floor(d.maxParams / columns));
  const out: T[][] = [];
  if (!d.keepsStatements) {
    for (let i = 0; i < rows.length; i += most) out.push(rows.slice(i, i + most));
    return out;
  }
  let i = 0;
  for (let size = 2 ** Math.floor(Math.log2(most)); size >= 1; size /= 2)
    for (; rows.length - i >= size; i += size) out.push(rows.slice(i, i + size));
  return out;
}

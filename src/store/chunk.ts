/** Split rows so one multi-row INSERT stays under the dialect's bound-parameter limit. */
export function chunk<T>(rows: readonly T[], columns: number, maxParams: number): T[][] {
  const size = Math.max(1, Math.floor(maxParams / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

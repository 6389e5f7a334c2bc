import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from './dialects/capabilities.js';

/** rows one delete statement removes at most: some tens of milliseconds of SQLite's time */
export const rowsPerDelete = 5000;

/** A turn of the event loop between two pieces of a long piece of work on the store. */
export const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes the rows of `table` whose `column` is before `before`, at most `rowsPerDelete` rows per
 * statement with a turn of the event loop between statements. Retention runs every ten minutes:
 * at 1,000 probes/s one statement would remove 600,000 results, holding SQLite (and with it the
 * event loop and the results writer) for seconds. Rows are picked by their physical key (SQLite's
 * rowid, PostgreSQL's ctid), which every table has.
 */
export async function deleteOlder(
  db: Kysely<any>,
  d: Pick<StoreDialect, 'name'>,
  table: string,
  column: string,
  before: number,
): Promise<number> {
  const key = sql.raw(d.name === 'sqlite' ? 'rowid' : 'ctid');
  let deleted = 0;
  for (;;) {
    const r =
      await sql`delete from ${sql.table(table)} where ${key} in (select ${key} from ${sql.table(table)} where ${sql.ref(column)} < ${before} limit ${rowsPerDelete})`.execute(
        db,
      );
    const n = Number(r.numAffectedRows ?? 0);
    deleted += n;
    if (n < rowsPerDelete) return deleted;
    await breathe();
  }
}

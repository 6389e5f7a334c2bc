import type { Kysely } from 'kysely';
import type { Sample } from '../checks/types.js';
import { compileMatchers } from '../metrics/promql/matchers.js';
import type { Labels, Matcher, Queryable, SelectHints, Series } from '../metrics/types.js';
import { chunk } from './chunk.js';
import type { StoreDialect } from './dialects/capabilities.js';
import { breathe, rowsPerDelete } from './prune.js';
import type { Tables } from './tables.js';

export interface TimedSample extends Sample {
  ts: number;
}

export { cacheKey } from '../core/cache-key.js';

/** Canonical identity of a label set: sorted keys, JSON. */
export function labelsKey(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '{}';
  const keys = Object.keys(labels).sort();
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, labels[k]])));
}

interface KnownSeries {
  id: number;
  /** with __name__ */
  labels: Labels;
}

/**
 * Samples and the series they belong to. Series are mirrored in memory (ids
 * never change once assigned), and the mirror catches up with rows other
 * nodes inserted by reading ids above the highest it knows.
 */
/** samples one SQLite read returns, about: ~15 ms of the event loop on this kind of machine */
const rowsPerRead = 20_000;

export function samplesRepo(db: Kysely<Tables>, d: StoreDialect) {
  const idsByKey = new Map<string, number>();
  const byMetric = new Map<string, KnownSeries[]>();
  let maxKnownId = 0;

  const remember = (id: number, metric: string, labelsJson: string) => {
    const key = `${metric}\u0000${labelsJson}`;
    if (idsByKey.has(key)) return;
    idsByKey.set(key, id);
    const labels = { __name__: metric, ...(JSON.parse(labelsJson) as Record<string, string>) };
    const list = byMetric.get(metric);
    if (list) list.push({ id, labels });
    else byMetric.set(metric, [{ id, labels }]);
    maxKnownId = Math.max(maxKnownId, id);
  };

  async function catchUp(): Promise<void> {
    const rows = await db
      .selectFrom('series')
      .selectAll()
      .where('id', '>', maxKnownId)
      .orderBy('id')
      .execute();
    for (const r of rows) remember(Number(r.id), r.metric, r.labels);
  }

  async function resolveSeries(trx: Kysely<Tables>, samples: readonly TimedSample[]): Promise<number[]> {
    const keys = samples.map((s) => `${s.name}\u0000${labelsKey(s.labels)}`);
    const missing = [...new Set(keys.filter((k) => !idsByKey.has(k)))];
    if (missing.length) {
      const rows = missing.map((k) => {
        const [metric, labels] = k.split('\u0000') as [string, string];
        return { metric, labels };
      });
      for (const part of chunk(rows, 2, d)) {
        await trx
          .insertInto('series')
          .values(part)
          .onConflict((oc) => oc.columns(['metric', 'labels']).doNothing())
          .execute();
        const found = await trx
          .selectFrom('series')
          .select(['id', 'metric', 'labels'])
          .where('metric', 'in', [...new Set(part.map((r) => r.metric))])
          .where('labels', 'in', [...new Set(part.map((r) => r.labels))])
          .execute();
        for (const f of found) remember(Number(f.id), f.metric, f.labels);
      }
    }
    return keys.map((k) => idsByKey.get(k)!);
  }

  /**
   * Series per statement, so that one statement reads about `rowsPerRead` samples: SQLite's
   * reads are synchronous, and 1,000 series over 5 minutes at 1 s (300,000 rows) held the event
   * loop for 200–380 ms at a time. Assumes one sample a second, the shortest interval a check has.
   */
  const idsPerRead = (mint: number, maxt: number): number => {
    const max = Math.min(d.maxParams - 2, 5000);
    // PostgreSQL reads off this thread: larger pieces, bounded only so a query's limit is
    // checked before all of a year is in memory.
    const rows = d.name === 'sqlite' ? rowsPerRead : rowsPerRead * 10;
    const perSeries = Math.max(1, (maxt - mint) / 1000);
    return Math.max(1, Math.min(max, Math.floor(rows / perSeries)));
  };

  const queryable: Queryable = {
    async select(
      matchers: readonly Matcher[],
      mint: number,
      maxt: number,
      hints?: SelectHints,
    ): Promise<Series[]> {
      await catchUp();
      const nameEq = matchers.find((m) => m.name === '__name__' && m.type === '=');
      const candidates = nameEq ? (byMetric.get(nameEq.value) ?? []) : [...byMetric.values()].flat();
      const matches = compileMatchers(matchers);
      const selected = candidates.filter((s) => matches(s.labels));
      if (!selected.length) return [];
      const points = new Map<number, Series['points']>(selected.map((s) => [s.id, []]));
      let first = true;
      for (const ids of chunk(
        selected.map((s) => s.id),
        1,
        { ...d, maxParams: idsPerRead(mint, maxt) },
      )) {
        // SQLite reads on this thread: the event loop gets a turn between the pieces.
        if (!first && d.name === 'sqlite') await breathe();
        first = false;
        const rows = await db
          .selectFrom('samples')
          .select(['series_id', 'ts', 'value', 'stale'])
          .where('series_id', 'in', ids)
          .where('ts', '>=', mint)
          .where('ts', '<=', maxt)
          .orderBy('series_id')
          .orderBy('ts')
          .execute();
        hints?.budget?.charge(rows.length);
        for (const r of rows) {
          points
            .get(Number(r.series_id))!
            .push(
              Number(r.stale)
                ? { t: Number(r.ts), v: Number.NaN, stale: true }
                : { t: Number(r.ts), v: r.value ?? Number.NaN },
            );
        }
      }
      return selected.map((s) => ({ labels: s.labels, points: points.get(s.id)! }));
    },
  };

  return {
    queryable,

    /** Every label set the store knows (with __name__), for Prometheus's metadata API. */
    async series(): Promise<Labels[]> {
      await catchUp();
      return [...byMetric.values()].flat().map((s) => s.labels);
    },

    async insert(trx: Kysely<Tables>, samples: readonly TimedSample[]): Promise<void> {
      if (!samples.length) return;
      const ids = await resolveSeries(trx, samples);
      const rows = samples.map((s, i) => ({
        series_id: ids[i]!,
        ts: s.ts,
        value: s.stale || Number.isNaN(s.value) ? null : s.value,
        stale: s.stale ? 1 : 0,
      }));
      for (const part of chunk(rows, 4, d)) {
        await trx
          .insertInto('samples')
          .values(part)
          .onConflict((oc) => oc.columns(['series_id', 'ts']).doNothing())
          .execute();
      }
    },

    /**
     * Through the primary key (series_id, ts), 500 series a statement: samples
     * have no index on ts alone. Yields between statements, so retention never
     * holds the event loop long enough to make checks late.
     */
    async prune(before: number): Promise<number> {
      await catchUp();
      // Series by series through the primary key, a few at a time: as many as keep one statement
      // near `rowsPerDelete` rows (10 minutes at 1 s is 600 rows a series), with a turn of the
      // event loop between statements (see deleteOlder).
      let deleted = 0;
      let per = 8;
      const ids = [...idsByKey.values()];
      for (let i = 0; i < ids.length; ) {
        const part = ids.slice(i, i + per);
        i += part.length;
        const r = await db
          .deleteFrom('samples')
          .where('series_id', 'in', part)
          .where('ts', '<', before)
          .executeTakeFirst();
        const n = Number(r.numDeletedRows);
        deleted += n;
        if (n > 2 * rowsPerDelete) per = Math.max(1, Math.floor((per * rowsPerDelete) / n));
        else if (n < rowsPerDelete / 2) per = Math.min(500, per * 2);
        await breathe();
      }
      return deleted;
    },
  };
}

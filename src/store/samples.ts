import type { Kysely } from 'kysely';
import type { Sample } from '../checks/types.js';
import { compileMatchers } from '../metrics/promql/matchers.js';
import type { Labels, Matcher, Queryable, Series } from '../metrics/types.js';
import { chunk } from './chunk.js';
import type { StoreDialect } from './dialects/capabilities.js';
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
      for (const part of chunk(rows, 2, d.maxParams)) {
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

  const queryable: Queryable = {
    async select(matchers: readonly Matcher[], mint: number, maxt: number): Promise<Series[]> {
      await catchUp();
      const nameEq = matchers.find((m) => m.name === '__name__' && m.type === '=');
      const candidates = nameEq ? (byMetric.get(nameEq.value) ?? []) : [...byMetric.values()].flat();
      const matches = compileMatchers(matchers);
      const selected = candidates.filter((s) => matches(s.labels));
      if (!selected.length) return [];
      const points = new Map<number, Series['points']>(selected.map((s) => [s.id, []]));
      for (const ids of chunk(
        selected.map((s) => s.id),
        1,
        Math.min(d.maxParams - 2, 5000),
      )) {
        const rows = await db
          .selectFrom('samples')
          .select(['series_id', 'ts', 'value', 'stale'])
          .where('series_id', 'in', ids)
          .where('ts', '>=', mint)
          .where('ts', '<=', maxt)
          .orderBy('series_id')
          .orderBy('ts')
          .execute();
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
      for (const part of chunk(rows, 4, d.maxParams)) {
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
      let deleted = 0;
      const ids = [...idsByKey.values()];
      for (let i = 0; i < ids.length; i += 500) {
        const r = await db
          .deleteFrom('samples')
          .where('series_id', 'in', ids.slice(i, i + 500))
          .where('ts', '<', before)
          .executeTakeFirst();
        deleted += Number(r.numDeletedRows);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return deleted;
    },
  };
}

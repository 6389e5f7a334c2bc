import type { Kysely } from 'kysely';
import type { Sample } from '../checks/types.js';
import { chunk } from './chunk.js';
import type { StoreDialect } from './dialects/capabilities.js';
import type { Tables } from './tables.js';

export interface TimedSample extends Sample {
  ts: number;
}

export interface SeriesPoint {
  metric: string;
  labels: Record<string, string>;
  points: { ts: number; value: number }[];
}

/** Canonical identity of a label set: sorted keys, JSON. */
export function labelsKey(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '{}';
  const keys = Object.keys(labels).sort();
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, labels[k]])));
}

export function samplesRepo(db: Kysely<Tables>, d: StoreDialect) {
  // Series ids never change once assigned, so the cache never needs invalidating.
  const seriesIds = new Map<string, number>();

  async function resolveSeries(trx: Kysely<Tables>, samples: readonly TimedSample[]): Promise<number[]> {
    const keys = samples.map((s) => `${s.name}\u0000${labelsKey(s.labels)}`);
    const missing = [...new Set(keys.filter((k) => !seriesIds.has(k)))];
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
          .where(
            'metric',
            'in',
            part.map((r) => r.metric),
          )
          .where(
            'labels',
            'in',
            part.map((r) => r.labels),
          )
          .execute();
        for (const f of found) seriesIds.set(`${f.metric}\u0000${f.labels}`, Number(f.id));
      }
    }
    return keys.map((k) => seriesIds.get(k)!);
  }

  return {
    async insert(trx: Kysely<Tables>, samples: readonly TimedSample[]): Promise<void> {
      if (!samples.length) return;
      const ids = await resolveSeries(trx, samples);
      const rows = samples.map((s, i) => ({ series_id: ids[i]!, ts: s.ts, value: s.value }));
      for (const part of chunk(rows, 3, d.maxParams)) {
        await trx
          .insertInto('samples')
          .values(part)
          .onConflict((oc) => oc.columns(['series_id', 'ts']).doNothing())
          .execute();
      }
    },

    /** Every series of a metric whose labels include `match`, with points in [from, to]. */
    async range(
      metric: string,
      match: Record<string, string>,
      from: number,
      to: number,
    ): Promise<SeriesPoint[]> {
      const series = await db
        .selectFrom('series')
        .select(['id', 'labels'])
        .where('metric', '=', metric)
        .execute();
      const out: SeriesPoint[] = [];
      for (const s of series) {
        const labels = JSON.parse(s.labels) as Record<string, string>;
        if (!Object.entries(match).every(([k, v]) => labels[k] === v)) continue;
        const points = await db
          .selectFrom('samples')
          .select(['ts', 'value'])
          .where('series_id', '=', s.id)
          .where('ts', '>=', from)
          .where('ts', '<=', to)
          .orderBy('ts')
          .execute();
        out.push({ metric, labels, points });
      }
      return out;
    },

    async prune(before: number): Promise<number> {
      const r = await db.deleteFrom('samples').where('ts', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

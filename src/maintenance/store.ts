import { z } from 'zod';
import type { TaskKind } from './types.js';

const schema = z.strictObject({
  /** delete what is older than retention: */
  prune: z.boolean().default(true),
  /** give the space back (SQLite VACUUM; PostgreSQL VACUUM (ANALYZE) of Vigil's tables) */
  vacuum: z.boolean().default(true),
});
type Spec = z.output<typeof schema>;

/** Vigil's own store, maintained like any database: retention prune, then vacuum. */
export const store: TaskKind<Spec> = {
  schema,
  target: () => 'storage',
  async run(spec, ctx) {
    const s = ctx.store;
    if (!s || !ctx.retention) throw new Error('the store task runs inside Vigil only');
    const done: string[] = [];
    if (spec.prune) {
      const counts = await s.prune(ctx.retention, ctx.now());
      const maintenance = await s.routines.pruneMaintenance(ctx.now() - ctx.retention.results);
      const total = Object.values(counts).reduce((a, b) => a + b, 0) + maintenance;
      done.push(`pruned ${total} rows`);
    }
    if (spec.vacuum && !ctx.signal.aborted) {
      const { sql } = await import('kysely');
      await sql.raw(s.dialect === 'postgres' ? 'VACUUM (ANALYZE)' : 'VACUUM').execute(s.db);
      done.push('vacuumed');
    }
    return done.join(', ') || 'nothing to do';
  },
};

import type { ChangeSource } from '../routines/steps/types.js';
import type { Store } from '../store/store.js';

/**
 * What the routines' `changes` step reads: the change records that ended in
 * the period — deploys that went well, rollbacks, and failed changes.
 */
export function changeSource(store: Store): ChangeSource {
  return {
    async inPeriod(from, to) {
      const ended = (await store.changes.list({ from, to, limit: 10_000 })).filter(
        (c) => c.finishedAt !== null && c.finishedAt >= from && c.finishedAt <= to,
      );
      const item = (c: (typeof ended)[number]) => ({
        id: String(c.id),
        title: `${c.service}${c.version ? ` ${c.version}` : ''}: ${c.title}`,
        at: c.finishedAt!,
        by: c.createdBy,
      });
      return {
        deploys: ended.filter((c) => c.status === 'ok').map(item),
        rollbacks: ended.filter((c) => c.status === 'rolled-back').map(item),
        failed: ended
          .filter((c) => c.status === 'failed')
          .map((c) => ({ ...item(c), reason: 'finished as failed' })),
      };
    },
  };
}

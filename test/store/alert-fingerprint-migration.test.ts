import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { labelsKey } from '../../src/core/labels.js';
import { alertFingerprint } from '../../src/store/alert-fingerprint.js';
import { openStore } from '../../src/store/store.js';

/**
 * SQLite stores written before migration 014 hold alert transitions under the rule engine's
 * label-set key; after it, under the notifications' fingerprint. A firing recorded before the
 * upgrade must pair with its resolution after it.
 */
describe('migration 014: alert fingerprints', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-fp-migration-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rewrites the rows written before it from their labels', async () => {
    const file = path.join(dir, 'vigil.db');
    await (await openStore(`sqlite:${file}`)).close();
    // As a store of the previous release left it: a firing under the old key, 014 not yet run.
    const labels = { alertname: 'DiskFull', instance: 'db-1', severity: 'page' };
    const raw = new Database(file);
    raw
      .prepare(
        `insert into alert_transitions (at, rule, group_name, fingerprint, labels, from_state, to_state, value, reason)
         values (1000, 'DiskFull', 'alerts', ?, ?, 'pending', 'firing', 97, 'condition true')`,
      )
      .run(labelsKey(labels), JSON.stringify(labels));
    raw.prepare("delete from kysely_migration where name = '014-alert-fingerprints'").run();
    raw.close();

    const store = await openStore(`sqlite:${file}`);
    try {
      await store.alerts.insertTransitions([
        {
          at: 2000,
          rule: 'DiskFull',
          group: 'alerts',
          fingerprint: labelsKey(labels),
          labels,
          from: 'firing',
          to: 'inactive',
          value: null,
          reason: 'condition false',
        },
      ]);
      const history = await store.alerts.history({ from: 0, to: 3000 });
      expect(history.map((t) => [t.to, t.fingerprint])).toEqual([
        ['inactive', alertFingerprint(labels)],
        ['firing', alertFingerprint(labels)],
      ]);
    } finally {
      await store.close();
    }
  });
});

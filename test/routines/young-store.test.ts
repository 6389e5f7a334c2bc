import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import { parseConfig } from '../../src/config/loader.js';
import { reportOf, runRoutine } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';

// 12:10 UTC; the daemon started at 12:00, so all it knows lies in the current hour.
const now = Date.UTC(2026, 10, 27, 12, 10);
const minute = 60_000;

const yaml = `checks:
  - name: api
    tcp: { host: 127.0.0.1, port: 9 }
routines:
  - name: weekly
    cron: "0 9 * * 1"
    period: 7d
    steps: [{ availability: {} }, { performance: {} }]
`;

describe('a weekly report on a store ten minutes old', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:', { now: () => now });
    const batch: CheckResult[] = [];
    for (let t = now - 10 * minute; t < now; t += minute)
      batch.push({
        check: 'api',
        kind: 'tcp',
        status: 'ok',
        message: 'connected',
        startedAt: t,
        durationMs: 3,
        samples: [],
      });
    await store.record(batch);
  });
  afterAll(() => store.close());

  it('reports the availability of the runs it has, as Performance reports their latency', async () => {
    const loaded = parseConfig(yaml, 'vigil.yaml', {});
    const { run } = await runRoutine({ store, loaded }, loaded.config.routines[0]!, { now });
    const report = await reportOf(store, run.id, now);
    const step = (name: string) => report.steps.find((s) => s.name === name)!;
    expect(step('performance').status).toBe('ok');
    expect(step('availability')).toMatchObject({ status: 'ok' });
    expect(step('availability').findings.map((f) => f.text)).toEqual([
      expect.stringMatching(/^api: 100\.000% \(10\/10 runs up\)/),
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { guideAlertsGroup } from '../../src/alerting/compile.js';
import type { RuleTransition } from '../../src/alerting/group.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { RuleService } from '../../src/services/rules.js';
import { openStore, type Store } from '../../src/store/store.js';

const start = Date.UTC(2026, 10, 27, 8, 0, 0);
const config = parseConfig(
  'evaluation_interval: 15s\nalerts:\n  - { name: HighCPUUsage, condition: cpu_usage > 80%, duration: 1m, severity: warning }\n',
  'vigil.yaml',
  {},
);

async function cpu(store: Store, at: number, value: number) {
  await store.record([], [{ name: 'cpu_usage', labels: { check: 'host' }, value, ts: at }]);
}

function service(store: Store, clock: FakeClock) {
  const transitions: RuleTransition[] = [];
  const rules = new RuleService({
    clock,
    queryable: store.queryable,
    record: (samples) =>
      void store.record(
        [],
        samples.map(({ labels: { __name__, ...labels }, t, v, stale }) => ({
          name: __name__!,
          labels,
          ts: t,
          value: v,
          ...(stale ? { stale } : {}),
        })),
      ),
    onTransitions: (t) => transitions.push(...t),
  });
  return { rules, transitions };
}

describe('rule service', () => {
  it('evaluates on the group grid and fires after `for`, with reasons', async () => {
    const store = await openStore('sqlite::memory:');
    const clock = new FakeClock(start);
    const { rules, transitions } = service(store, clock);
    rules.start([guideAlertsGroup(config)!]);
    for (let t = 0; t <= 120_000; t += 5000) await cpu(store, start + t, 0.95);
    await clock.advance(120_000);
    const fired = transitions.find((t) => t.to === 'firing')!;
    expect(transitions[0]).toMatchObject({ rule: 'HighCPUUsage', from: 'inactive', to: 'pending' });
    expect(fired.at - transitions[0]!.at).toBe(60_000);
    expect(fired.at % 15_000).toBe(transitions[0]!.at % 15_000);
    expect(fired.reason).toBe('condition held for 60s');
    expect(rules.groups[0]!.activeAlerts()).toEqual([
      expect.objectContaining({
        state: 'firing',
        labels: { alertname: 'HighCPUUsage', check: 'host', severity: 'warning' },
      }),
    ]);
    await rules.stop(1000);
    await store.close();
  });

  it('restores `for` progress after a restart instead of going pending again', async () => {
    const store = await openStore('sqlite::memory:');
    const clock = new FakeClock(start);
    const first = service(store, clock);
    first.rules.start([guideAlertsGroup(config)!]);
    for (let t = 0; t <= 300_000; t += 5000) await cpu(store, start + t, 0.95);
    await clock.advance(120_000);
    await first.rules.stop(1000);
    expect(first.rules.groups[0]!.activeAlerts()[0]!.state).toBe('firing');

    // a restart 30 seconds later: a new service, the same store
    await clock.advance(30_000);
    const second = service(store, clock);
    second.rules.start([guideAlertsGroup(config)!]);
    await clock.advance(15_000);
    expect(second.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['pending->firing']);
    expect(second.rules.groups[0]!.activeAlerts()[0]).toMatchObject({ state: 'firing' });
    await second.rules.stop(1000);
    await store.close();
  });
});

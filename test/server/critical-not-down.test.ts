import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultOf } from '../../src/checks/runner.js';
import type { CheckResult } from '../../src/checks/types.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const now = Date.UTC(2026, 10, 27, 12, 30);
const minute = 60_000;
const yaml = `
checks:
  - name: host
    host: {}
    labels: { tier: public }
  - name: db
    tcp: { host: 127.0.0.1, port: 9 }
    labels: { tier: public }
status_page:
  title: Example status
  groups: [{ name: Everything, match: { tier: public } }]
`;

/**
 * A host at 97% CPU answered: its status is critical (its thresholds say so) but it is up.
 * It reads "Critical", not "Down", and counts as available; a refused port is down.
 */
describe('a critical check that answered is in trouble, not down', () => {
  let app: FastifyInstance;
  let store: Store;
  const clock = new FakeClock(now);
  const loaded = parseConfig(yaml, 'vigil.yaml', {});
  const [host, db] = loaded.config.checks;

  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    app = testApp({ store, clock, config: loaded });
    const memo = {};
    const batch: CheckResult[] = [];
    for (let t = now - 20 * minute; t < now; t += minute) {
      batch.push(
        resultOf(
          host!,
          {
            status: 'critical',
            message: 'cpu 97% > 95%',
            up: true,
            samples: [{ name: 'cpu_usage', value: 0.97 }],
          },
          t,
          3,
          memo,
        ),
        resultOf(db!, { status: 'critical', message: 'connect ECONNREFUSED 127.0.0.1:9' }, t, 1, {}),
      );
    }
    await store.record(batch);
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('records up with the run, and the up series says the same', () => {
    const r = resultOf(host!, { status: 'critical', message: 'busy', up: true }, now, 1, {});
    expect(r.up).toBe(true);
    expect(r.samples.find((s) => s.name === 'up')?.value).toBe(1);
    expect(resultOf(db!, { status: 'critical', message: 'refused' }, now, 1, {}).up).toBe(false);
  });

  it('lists the host as critical and up, the refused port as critical and down', async () => {
    const { checks } = (await app.inject('/api/v1/checks')).json();
    expect(
      checks.map((c: { name: string; status: string; up: boolean }) => [c.name, c.status, c.up]),
    ).toEqual([
      ['host', 'critical', true],
      ['db', 'critical', false],
    ]);
    const { results } = (await app.inject('/api/v1/checks/host/results?limit=1')).json();
    expect(results[0]).toMatchObject({ status: 'critical', up: true });
    const series = (await app.inject('/api/v1/checks/host/series?range=1h')).json();
    expect(series.failures[0]).toMatchObject({ status: 'critical', up: true });
  });

  it('counts the busy host as available and not down', async () => {
    const overview = (await app.inject('/api/v1/overview')).json();
    expect(overview.counts).toMatchObject({ checks: 2, critical: 2, down: 1 });
    const row = (name: string) => overview.checks.find((c: { name: string }) => c.name === name);
    expect(row('host')).toMatchObject({ status: 'critical', up: true, availability: 1 });
    expect(row('db')).toMatchObject({ status: 'critical', up: false, availability: 0 });
    const avail = (await app.inject('/api/v1/checks/host/availability?window=24h')).json();
    expect(avail).toMatchObject({ availability: 1, runs: 20, up: 20 });
    // 20 minutes of runs in a 24h window: the answer says how much history it holds
    expect(avail).toMatchObject({ historyMs: 20 * minute, windowMs: 86_400_000 });
    const ninety = (await app.inject('/api/v1/checks/host/availability?window=90d')).json();
    expect(ninety).toMatchObject({ availability: 1, historyMs: 20 * minute, windowMs: 90 * 86_400_000 });
  });

  it('shows the busy host as degraded on the public status page, the refused port as down', async () => {
    const page = (await app.inject('/api/v1/status')).json();
    const states = Object.fromEntries(
      page.groups[0].checks.map((c: { name: string; state: string }) => [c.name, c.state]),
    );
    expect(states).toEqual({ host: 'degraded', db: 'down' });
  });
});

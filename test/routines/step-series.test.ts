import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guideAlertsGroup } from '../../src/alerting/compile.js';
import type { RuleTransition } from '../../src/alerting/group.js';
import { unproducedSeries } from '../../src/alerting/unproduced.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { ownMetrics } from '../../src/services/own-metrics.js';
import { RoutineScheduler } from '../../src/services/routines.js';
import { RuleService } from '../../src/services/rules.js';
import { openStore, type Store } from '../../src/store/store.js';

const start = Date.UTC(2026, 11, 7, 9, 0, 0); // a Monday, 09:00 UTC
const minute = 60_000;

/** `apt-get -s dist-upgrade` on a Debian host with 3 updates waiting, 2 from the security archive. */
const aptSimulation = [
  'Inst libssl3 [3.0.15-1] (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])',
  'Inst openssl [3.0.15-1] (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])',
  'Inst tzdata [2024a-0] (2024b-0 Debian:12.8/stable [all])',
].join('\n');

const yaml = (reboot: string) => `
evaluation_interval: 15s
alerts:
  - { name: SecurityUpdatesPending, condition: os_security_updates_pending > 0, duration: 10m, severity: warning }
routines:
  - name: weekly
    cron: "0 9 * * 1"
    steps:
      - updates: { manager: apt, reboot_file: ${reboot} }
`;

describe("a routine step's figures, as series for alert rules", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-step-series-'));
  const saved = process.env.PATH;
  let store: Store;
  beforeAll(async () => {
    writeFileSync(path.join(dir, 'apt-get'), `#!/bin/sh\ncat <<'EOF'\n${aptSimulation}\nEOF\n`);
    chmodSync(path.join(dir, 'apt-get'), 0o755);
    writeFileSync(path.join(dir, 'reboot-required'), '*** System restart required ***\n');
    process.env.PATH = `${dir}:${saved}`;
    store = await openStore('sqlite::memory:');
  });
  afterAll(async () => {
    process.env.PATH = saved;
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the newest run’s series every minute, so a rule on them fires and keeps firing for days', async () => {
    const loaded = parseConfig(yaml(path.join(dir, 'reboot-required')), path.join(dir, 'vigil.yaml'), {});
    const clock = new FakeClock(start - minute);
    const transitions: RuleTransition[] = [];
    const rules = new RuleService({
      clock,
      queryable: store.queryable,
      record: () => {},
      onTransitions: (t) => transitions.push(...t),
    });
    const routines = new RoutineScheduler({
      store,
      clock,
      config: () => loaded,
      announce: async () => {},
      log: { info() {}, error() {} },
      recordSamples: (samples) => void store.record([], samples),
    });
    rules.start([guideAlertsGroup(loaded)!]);
    routines.start(loaded.config.routines);
    try {
      // the 09:00 run, then two days: the series is re-recorded each minute, far past its 5-minute lookback
      await clock.advance(2 * minute);
      await routines.idle();
      expect(routines.series).toEqual([
        { name: 'os_updates_pending', labels: { routine: 'weekly', step: 'updates' }, value: 3 },
        { name: 'os_security_updates_pending', labels: { routine: 'weekly', step: 'updates' }, value: 2 },
        { name: 'os_reboot_required', labels: { routine: 'weekly', step: 'updates' }, value: 1 },
      ]);
      for (let i = 0; i < 2 * 24 * 60; i += 30) await clock.advance(30 * minute);
      const fired = transitions.filter((t) => t.to === 'firing');
      expect(fired).toHaveLength(1);
      expect(fired[0]!.at - start).toBeGreaterThanOrEqual(10 * minute);
      expect(fired[0]!.at - start).toBeLessThan(12 * minute);
      expect(transitions.some((t) => t.to === 'inactive')).toBe(false);
      expect(rules.groups[0]!.activeAlerts()).toEqual([
        expect.objectContaining({
          state: 'firing',
          labels: {
            alertname: 'SecurityUpdatesPending',
            routine: 'weekly',
            step: 'updates',
            severity: 'warning',
          },
        }),
      ]);

      // Prometheus scraping Vigil sees the same figures
      const metrics = ownMetrics({
        checkRuns: () => ({ started: 0, skippedOverlap: 0, running: 0, queued: 0 }),
        buffer: undefined as never, // not read: only the step series are collected below
        version: 'test',
        routines: { runs: async () => [], series: () => routines.series },
      });
      const text = await metrics.registry.getSingleMetricAsString('os_security_updates_pending');
      expect(text).toContain('# HELP os_security_updates_pending ');
      expect(text).toContain('os_security_updates_pending{routine="weekly",step="updates"} 2');
    } finally {
      await routines.stop();
      await rules.stop(1000);
    }
  });

  it('vigil validate knows which step a rule’s series comes from', () => {
    const withStep = parseConfig(yaml('/nonexistent'), 'vigil.yaml', {});
    expect(unproducedSeries(withStep.config, [guideAlertsGroup(withStep)!])).toEqual([]);

    const without = parseConfig(
      `alerts:\n  - { name: Vulns, condition: 'vulnerabilities_opne{severity="critical"} > 0' }\n  - { name: Patches, condition: os_security_updates_pending > 0 }\n`,
      'vigil.yaml',
      {},
    );
    const warnings = unproducedSeries(without.config, [guideAlertsGroup(without)!]);
    expect(warnings.map((w) => w.hint)).toEqual([
      "did you mean vulnerabilities_open? (from a routine's vulnerabilities step)",
      "os_security_updates_pending comes from a routine's updates step: add one, or the rule never fires",
    ]);
  });
});

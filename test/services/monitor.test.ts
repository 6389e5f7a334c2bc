import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { Monitor } from '../../src/services/monitor.js';

describe('monitor', () => {
  it('writes a staleness marker for a series a check stops reporting, and drops it from /metrics', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-monitor-'));
    const out = path.join(dir, 'out.txt');
    const { config } = parseConfig(
      `checks:\n  - { name: job, command: { run: "cat ${out}" }, every: 10s }\n`,
      'v.yaml',
      {},
    );
    const recorded: CheckResult[] = [];
    const clock = new FakeClock();
    const monitor = new Monitor({
      clock,
      heartbeats: { last: async () => undefined },
      record: (r) => recorded.push(r),
      concurrency: 2,
    });
    const check = config.checks[0]!;
    monitor.reload(config.checks);
    writeFileSync(out, 'OK | queue=5 lag=2s\n');
    await monitor.runNow(check.name);
    writeFileSync(out, 'OK | queue=6\n');
    await monitor.runNow(check.name);
    const second = recorded[1]!;
    expect(second.samples.filter((s) => s.stale)).toEqual([
      { name: 'command_perfdata', labels: { check: 'job', label: 'lag' }, value: Number.NaN, stale: true },
    ]);
    const exposed = monitor
      .latestSamples()
      .map((s) => `${s.name}${s.labels?.label ? `/${s.labels.label}` : ''}`);
    expect(exposed).toContain('command_perfdata/queue');
    expect(exposed).not.toContain('command_perfdata/lag');
  });
});

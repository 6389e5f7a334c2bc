import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HostSpec, hostCheck } from '../../src/checks/host.js';
import { runCheck } from '../../src/checks/runner.js';
import type { KindOutcome } from '../../src/checks/types.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { makeCtx } from './ctx.js';

let proc: string;
let extra: string;

/** The aggregate cpu line: user nice system idle iowait irq softirq steal guest guest_nice. */
function writeStat(user: number, system: number, idle: number, iowait: number, guest = 0) {
  fs.writeFileSync(
    path.join(proc, 'stat'),
    `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 0 ${guest} 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 12345\n`,
  );
}

function writeMeminfo(totalKb: number, availableKb: number) {
  fs.writeFileSync(
    path.join(proc, 'meminfo'),
    `MemTotal:       ${totalKb} kB\nMemFree:          1000 kB\nMemAvailable:   ${availableKb} kB\nBuffers:  10 kB\n`,
  );
}

beforeEach(() => {
  proc = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-proc-'));
  extra = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil mount '));
  writeStat(1000, 500, 8000, 500);
  writeMeminfo(1_000_000, 250_000);
  fs.writeFileSync(path.join(proc, 'loadavg'), '0.52 0.40 0.30 1/123 4567\n');
  fs.writeFileSync(
    path.join(proc, 'mounts'),
    [
      'proc /proc proc rw,relatime 0 0',
      'sysfs /sys sysfs rw 0 0',
      'tmpfs /dev/shm tmpfs rw 0 0',
      'cgroup2 /sys/fs/cgroup cgroup2 rw 0 0',
      '/dev/vda / ext4 rw,relatime 0 0',
      // a bind mount of the same device, and a second device whose path has a space
      `/dev/vda ${os.tmpdir()} ext4 rw 0 0`,
      `/dev/vdb ${extra.replaceAll(' ', '\\040')} xfs rw 0 0`,
      '',
    ].join('\n'),
  );
});

afterEach(() => {
  fs.rmSync(proc, { recursive: true, force: true });
  fs.rmSync(extra, { recursive: true, force: true });
});

function spec(over: Partial<Record<keyof HostSpec, unknown>> = {}): HostSpec {
  return hostCheck.schema.parse({ root: proc, ...over });
}

function value(out: KindOutcome, name: string, labels?: Record<string, string>) {
  return out.samples?.find((s) => s.name === name && (!labels || s.labels?.mount === labels.mount))?.value;
}

describe('host check', () => {
  it('measures cpu from the change in /proc/stat between runs', async () => {
    const ctx = makeCtx();
    const first = await hostCheck.run(spec(), ctx);
    // nothing moved in the fixture during the first run's two readings
    expect(value(first, 'cpu_usage')).toBe(0);

    // +300 busy ticks (200 user, 100 system), +700 idle of which 100 iowait; guest is inside user already
    writeStat(1200, 600, 8600, 600, 50);
    const second = await hostCheck.run(spec(), ctx);
    expect(value(second, 'cpu_usage')).toBeCloseTo(0.3, 10);
  });

  it('reads memory, load and the real filesystems', async () => {
    const out = await hostCheck.run(spec(), makeCtx());
    expect(value(out, 'memory_usage')).toBe(0.75);
    expect([value(out, 'load1'), value(out, 'load5'), value(out, 'load15')]).toEqual([0.52, 0.4, 0.3]);
    const mounts = out.samples?.filter((s) => s.name === 'disk_usage').map((s) => s.labels?.mount);
    expect(mounts).toEqual(['/', extra]);
    for (const mount of mounts ?? []) {
      const used = value(out, 'disk_usage', { mount: mount! })!;
      expect(used).toBeGreaterThanOrEqual(0);
      expect(used).toBeLessThanOrEqual(1);
    }
    expect(out.message).toMatch(/^cpu \d+%, memory 75%, disk \/ \d+%, disk .+ \d+%, load 0\.52 0\.40 0\.30$/);
  });

  it('judges each value against its own thresholds', async () => {
    const quiet = { cpu_usage: 1, memory_usage: 1, disk_usage: 1 };
    const ok = await hostCheck.run(spec({ warn: quiet, critical: quiet }), makeCtx());
    expect(ok.status).toBe('ok');

    const warn = await hostCheck.run(
      spec({ warn: { ...quiet, memory_usage: '70%' }, critical: quiet }),
      makeCtx(),
    );
    expect(warn.status).toBe('warning');
    expect(warn.message).toContain('memory 75% > 70%');

    const critical = await hostCheck.run(
      spec({ warn: { ...quiet, memory_usage: 0.5 }, critical: { ...quiet, memory_usage: 0.74 } }),
      makeCtx(),
    );
    expect(critical.status).toBe('critical');
    expect(critical.message).toContain('memory 75% > 74%');
  });

  it('is up while critical: a busy host answered, and resource levels are series for rules', async () => {
    const config = parseConfig(
      `checks:\n  - { name: host, host: { root: "${proc}", critical: { memory_usage: 0.5 } } }\n`,
      'v.yaml',
      {},
    ).config;
    const deps = { clock: new FakeClock(), heartbeats: { last: async () => undefined }, memo: () => ({}) };
    const busy = await runCheck(config.checks[0]!, deps);
    expect(busy.status).toBe('critical');
    expect(busy.samples.find((s) => s.name === 'up')?.value).toBe(1);
    expect(busy.samples.find((s) => s.name === 'memory_usage')?.value).toBe(0.75);

    const gone = parseConfig(
      `checks:\n  - { name: host, host: { root: "${path.join(proc, 'missing')}" } }\n`,
      'v.yaml',
      {},
    ).config;
    const unreadable = await runCheck(gone.checks[0]!, deps);
    expect(unreadable.samples.find((s) => s.name === 'up')?.value).toBe(0);
  });

  it('says so when a configured mount cannot be read', async () => {
    const out = await hostCheck.run(spec({ mounts: ['/definitely/not/mounted'] }), makeCtx());
    expect(out.status).toBe('unknown');
    expect(out.message).toContain('disk /definitely/not/mounted unreadable (ENOENT');
    expect(value(out, 'memory_usage')).toBe(0.75);
  });

  it('is unknown, not broken, where there is no procfs', async () => {
    const out = await hostCheck.run(spec({ root: path.join(proc, 'missing') }), makeCtx());
    expect(out.status).toBe('unknown');
    expect(out.message).toContain('cpu unreadable (ENOENT');
    expect(out.message).toContain('memory unreadable (ENOENT');
  });

  it('stops waiting for its second cpu reading when aborted', async () => {
    const ctx = makeCtx({ timeoutMs: 50 });
    const running = hostCheck.run(spec(), ctx);
    ctx.controller.abort(new Error('timeout'));
    const out = await running;
    expect(out).toMatchObject({ status: 'critical', message: 'timed out after 50ms' });
  });

  it.skipIf(process.platform !== 'linux')('reads the real /proc', async () => {
    const ctx = makeCtx();
    const out = await hostCheck.run(hostCheck.schema.parse({}), ctx);
    expect(out.status).not.toBe('unknown');
    const ratios =
      out.samples?.filter((s) => ['cpu_usage', 'memory_usage', 'disk_usage'].includes(s.name)) ?? [];
    expect(ratios.map((s) => s.name)).toEqual(
      expect.arrayContaining(['cpu_usage', 'memory_usage', 'disk_usage']),
    );
    for (const s of ratios) {
      expect(s.value).toBeGreaterThanOrEqual(0);
      expect(s.value).toBeLessThanOrEqual(1);
    }
    expect(value(out, 'load1')).toBeGreaterThanOrEqual(0);
    expect(out.samples?.find((s) => s.name === 'disk_usage' && s.labels?.mount === '/')).toBeDefined();
  });

  it('rejects invalid specs', () => {
    expect(hostCheck.schema.safeParse({ mounts: '/' }).success).toBe(false);
    expect(hostCheck.schema.safeParse({ warn: { cpu: 0.5 } }).success).toBe(false);
    expect(hostCheck.schema.safeParse({ warn: { cpu_usage: 80 } }).success).toBe(false);
    expect(hostCheck.schema.safeParse({ critical: { disk_usage: '120%' } }).success).toBe(false);
    expect(hostCheck.schema.safeParse({ interval: '5s' }).success).toBe(false);
    expect(hostCheck.schema.parse({})).toEqual({
      root: '/proc',
      warn: { cpu_usage: 0.8, memory_usage: 0.9, disk_usage: 0.85 },
      critical: { cpu_usage: 0.95, memory_usage: 0.97, disk_usage: 0.95 },
    });
  });
});

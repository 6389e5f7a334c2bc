import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { describe } from '../errors.js';
import type { CheckKind, CheckStatus, Sample } from './types.js';

/** A ratio as 0.8 or "80%", the way alert conditions write it. */
const ratio = z.union([
  z.number().min(0).max(1),
  z
    .string()
    .regex(/^\d+(?:\.\d+)?%$/, 'write a ratio as 0.8 or "80%"')
    .transform((s) => Number(s.slice(0, -1)) / 100)
    .refine((r) => r <= 1, 'a percentage is at most 100%'),
]);

const thresholds = (defaults: Limits) =>
  z
    .strictObject({
      cpu_usage: ratio.default(defaults.cpu_usage),
      memory_usage: ratio.default(defaults.memory_usage),
      disk_usage: ratio.default(defaults.disk_usage),
    })
    .prefault({});

const schema = z.strictObject({
  /** where procfs is mounted; a container watching its host mounts the host's /proc elsewhere */
  root: z.string().min(1).default('/proc'),
  /** mount points to measure; default: every real filesystem in <root>/mounts */
  mounts: z.array(z.string().min(1)).min(1).optional(),
  warn: thresholds({ cpu_usage: 0.8, memory_usage: 0.9, disk_usage: 0.85 }),
  critical: thresholds({ cpu_usage: 0.95, memory_usage: 0.97, disk_usage: 0.95 }),
});

export type HostSpec = z.output<typeof schema>;

interface Limits {
  cpu_usage: number;
  memory_usage: number;
  disk_usage: number;
}

/** Filesystems that hold no user data, or whose usage means nothing (squashfs is always full). */
const pseudoFilesystems = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fuse.gvfsd-fuse',
  'fuse.lxcfs',
  'fuse.portal',
  'fusectl',
  'hugetlbfs',
  'iso9660',
  'mqueue',
  'nsfs',
  'proc',
  'pstore',
  'ramfs',
  'rootfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
]);

/** On the first run there is no previous reading to compare with: take two, this far apart. */
const firstSampleGapMs = 100;

export const hostCheck: CheckKind<HostSpec> = {
  schema,
  series: ['cpu_usage', 'memory_usage', 'disk_usage', 'load1', 'load5', 'load15'],
  target: (spec) => (spec.root === '/proc' ? os.hostname() : `${os.hostname()} (${spec.root})`),
  async run(spec, ctx) {
    const started = performance.now();
    const { signal } = ctx;
    const [cpu, memory, disks, load] = await Promise.all([
      attempt(() => cpuUsage(spec.root, ctx.memo, signal)),
      attempt(() => memoryUsage(spec.root, signal)),
      attempt(() => diskUsage(spec.root, spec.mounts, signal)),
      attempt(() => loadAverage(spec.root, signal)),
    ]);
    const durationMs = performance.now() - started;
    if (signal.aborted)
      return { status: 'critical', message: `timed out after ${ctx.timeoutMs}ms`, durationMs };

    const samples: Sample[] = [];
    const parts: string[] = [];
    const unreadable: string[] = [];
    const crossed: CheckStatus[] = [];
    const judge = (what: string, value: number, key: keyof Limits) => {
      let part = `${what} ${percent(value)}`;
      if (value > spec.critical[key]) {
        crossed.push('critical');
        part += ` > ${percent(spec.critical[key])}`;
      } else if (value > spec.warn[key]) {
        crossed.push('warning');
        part += ` > ${percent(spec.warn[key])}`;
      }
      parts.push(part);
    };

    if (cpu.ok) {
      samples.push({ name: 'cpu_usage', value: cpu.value });
      judge('cpu', cpu.value, 'cpu_usage');
    } else unreadable.push(`cpu unreadable (${cpu.error})`);
    if (memory.ok) {
      samples.push({ name: 'memory_usage', value: memory.value });
      judge('memory', memory.value, 'memory_usage');
    } else unreadable.push(`memory unreadable (${memory.error})`);
    if (disks.ok) {
      for (const disk of disks.value) {
        if ('error' in disk) {
          unreadable.push(`disk ${disk.mount} unreadable (${disk.error})`);
          continue;
        }
        samples.push({ name: 'disk_usage', labels: { mount: disk.mount }, value: disk.usage });
        judge(`disk ${disk.mount}`, disk.usage, 'disk_usage');
      }
    } else unreadable.push(`disks unreadable (${disks.error})`);
    if (load.ok) {
      const [l1, l5, l15] = load.value;
      samples.push(
        { name: 'load1', value: l1 },
        { name: 'load5', value: l5 },
        { name: 'load15', value: l15 },
      );
      parts.push(`load ${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)}`);
    } else unreadable.push(`load unreadable (${load.error})`);

    // A threshold crossed is news even when another reading failed; otherwise say we could not tell.
    const status: CheckStatus = crossed.includes('critical')
      ? 'critical'
      : crossed.length
        ? 'warning'
        : unreadable.length
          ? 'unknown'
          : 'ok';
    // Resource levels are series for alert rules (cpu_usage > 0.8), not reachability: the host
    // answered when at least one reading came back, however busy it is.
    return {
      status,
      message: [...parts, ...unreadable].join(', '),
      durationMs,
      samples,
      up: samples.length > 0,
    };
  },
};

type Attempt<T> = { ok: true; value: T } | { ok: false; error: string };

async function attempt<T>(fn: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, error: describe(e) };
  }
}

interface CpuTimes {
  total: number;
  idle: number;
}

async function cpuUsage(root: string, memo: Record<string, unknown>, signal: AbortSignal): Promise<number> {
  let previous = memo.cpu as CpuTimes | undefined;
  let current = await readCpuTimes(root, signal);
  if (previous === undefined) {
    previous = current;
    // The gap between two CPU samples of one run, not scheduled work.
    await sleep(firstSampleGapMs, undefined, { signal });
    current = await readCpuTimes(root, signal);
  }
  memo.cpu = current;
  const total = current.total - previous.total;
  const idle = current.idle - previous.idle;
  // No ticks in between (or counters reset): nothing was busy that we can see.
  if (total <= 0) return 0;
  return clamp(1 - idle / total);
}

async function readCpuTimes(root: string, signal: AbortSignal): Promise<CpuTimes> {
  const text = await fs.readFile(path.join(root, 'stat'), { encoding: 'utf8', signal });
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate cpu line in stat');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // guest and guest_nice are already counted in user and nice, so they are left out.
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait };
}

async function memoryUsage(root: string, signal: AbortSignal): Promise<number> {
  const text = await fs.readFile(path.join(root, 'meminfo'), { encoding: 'utf8', signal });
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]));
  }
  const total = kb.get('MemTotal');
  if (!total) throw new Error('no MemTotal in meminfo');
  // Kernels before 3.14 have no MemAvailable; free + buffers + cache is the old estimate.
  const available =
    kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return clamp(1 - available / total);
}

type Disk = { mount: string; usage: number } | { mount: string; error: string };

async function diskUsage(root: string, mounts: string[] | undefined, signal: AbortSignal): Promise<Disk[]> {
  const explicit = mounts !== undefined;
  const points = mounts ?? (await realMounts(root, signal));
  const disks = await Promise.all(
    points.map(async (mount): Promise<Disk | undefined> => {
      try {
        const st = await abortable(fs.statfs(mount), signal);
        // Like df: blocks reserved for root count neither as used nor as available.
        const used = st.blocks - st.bfree;
        const usable = used + st.bavail;
        if (usable <= 0) return explicit ? { mount, usage: 0 } : undefined;
        return { mount, usage: clamp(used / usable) };
      } catch (e) {
        // A configured mount that cannot be read is news; a discovered one we may not be allowed into is not.
        return explicit ? { mount, error: describe(e) } : undefined;
      }
    }),
  );
  return disks.filter((d): d is Disk => d !== undefined);
}

/** Mount points of real filesystems, one per device (bind mounts repeat the device). */
async function realMounts(root: string, signal: AbortSignal): Promise<string[]> {
  const text = await fs.readFile(path.join(root, 'mounts'), { encoding: 'utf8', signal });
  const seen = new Set<string>();
  const points: string[] = [];
  for (const line of text.split('\n')) {
    const [device, point, type] = line.split(' ');
    if (!device || !point || !type || pseudoFilesystems.has(type) || seen.has(device)) continue;
    seen.add(device);
    points.push(unescapeMount(point));
  }
  return points;
}

/** The kernel writes space, tab, newline and backslash in mount paths as octal escapes. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

async function loadAverage(root: string, signal: AbortSignal): Promise<[number, number, number]> {
  const text = await fs.readFile(path.join(root, 'loadavg'), { encoding: 'utf8', signal });
  const [l1, l5, l15] = text.trim().split(/\s+/).map(Number);
  if (![l1, l5, l15].every((n) => Number.isFinite(n))) throw new Error('loadavg is not three numbers');
  return [l1!, l5!, l15!];
}

/**
 * statfs has no signal, and on a hung network mount it never returns: stop
 * waiting when the run is aborted, even though the call itself cannot be.
 */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function clamp(r: number): number {
  return Math.min(1, Math.max(0, r));
}

function percent(r: number): string {
  return `${Math.round(r * 100)}%`;
}

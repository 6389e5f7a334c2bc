import { readFile } from 'node:fs/promises';
import type { Exec } from './exec.js';

/** One package with an update waiting. */
export interface PendingPackage {
  name: string;
  from?: string;
  to: string;
  security: boolean;
}

export interface PendingUpdates {
  manager: string;
  packages: PendingPackage[];
  /** null where the manager cannot tell security updates apart (Alpine) */
  security: number | null;
  /** null when the system gives no way to know */
  reboot: boolean | null;
  /** what the reboot is for, when the system says (Debian's reboot-required.pkgs) */
  rebootFor: string[];
  notes: string[];
}

/**
 * One package manager: how to tell it is there and how to list what waits. The three share
 * this interface; apt runs for real in tests, dnf and apk are tested on their recorded outputs.
 */
export interface PackageManager {
  name: 'apt' | 'dnf' | 'apk';
  /** the program whose presence picks this manager */
  program: string;
  pending(exec: Exec, opts: { rebootFile: string }): Promise<PendingUpdates>;
}

const fail = (what: string, r: { code: number | null; stderr: string; error?: string }) =>
  new Error(`${what} failed: ${r.error ?? `exit ${r.code}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`}`);

/**
 * `apt-get -s dist-upgrade` lines: `Inst pkg [old] (new Origin:Ver/suite, Origin2:Ver/suite2 [arch])`.
 * An update is a security one when any of its origins is a `-security` suite, as Debian's
 * and Ubuntu's security archives are named (bookworm-security, jammy-security).
 */
export function parseAptSimulate(text: string): PendingPackage[] {
  const out: PendingPackage[] = [];
  for (const line of text.split('\n')) {
    const m = /^Inst (\S+) \[([^\]]+)\] \((\S+) (.*)\)/.exec(line);
    if (!m) continue; // new packages pulled in are not updates of installed ones
    const origins = m[4]!.replace(/\s*\[[^\]]*\]\s*$/, '').split(/,\s*/);
    out.push({
      name: m[1]!,
      from: m[2]!,
      to: m[3]!,
      security: origins.some((o) => /-security\b/i.test(o) || /^[\w.-]+-Security:/.test(o)),
    });
  }
  return out;
}

async function rebootRequired(file: string): Promise<{ reboot: boolean; rebootFor: string[] }> {
  const there = await readFile(file, 'utf8').then(
    () => true,
    () => false,
  );
  const pkgs = there
    ? (await readFile(`${file}.pkgs`, 'utf8').catch(() => '')).split('\n').filter(Boolean)
    : [];
  return { reboot: there, rebootFor: [...new Set(pkgs)] };
}

export const apt: PackageManager = {
  name: 'apt',
  program: 'apt-get',
  async pending(exec, opts) {
    // A simulation reads the package lists as the last `apt-get update` left them: no root, no lock.
    const r = await exec(['apt-get', '-s', '-o', 'Debug::NoLocking=1', 'dist-upgrade']);
    if (r.code !== 0) throw fail('apt-get -s dist-upgrade', r);
    const packages = parseAptSimulate(r.stdout);
    return {
      manager: 'apt',
      packages,
      security: packages.filter((p) => p.security).length,
      ...(await rebootRequired(opts.rebootFile)),
      notes: [],
    };
  },
};

/** `dnf check-update` lines: `name.arch  version  repo` (exit 100 when there are updates). */
export function parseDnfCheckUpdate(text: string): PendingPackage[] {
  const out: PendingPackage[] = [];
  for (const line of text.split('\n')) {
    if (/^(Obsoleting|Security:|Last metadata)/.test(line)) {
      if (line.startsWith('Obsoleting')) break;
      continue;
    }
    const m = /^(\S+)\.(\w+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (m && /\d/.test(m[3]!)) out.push({ name: m[1]!, to: m[3]!, security: false });
  }
  return out;
}

/** `dnf updateinfo list --security` lines: `RHSA-2024:1234 Important/Sec. openssl-1:3.0.7-25.el9.x86_64`: the package names. */
export function parseDnfSecurity(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\S+\s+\S+\/Sec\.\s+(\S+)$/.exec(line.trim());
    // name-[epoch:]version-release.arch: the name is what precedes the version's "-"
    const nevra = m?.[1];
    const n = nevra && /^(.+)-(?:\d+:)?[^-]+-[^-]+\.[^.]+$/.exec(nevra);
    if (n) names.add(n[1]!);
  }
  return names;
}

export const dnf: PackageManager = {
  name: 'dnf',
  program: 'dnf',
  async pending(exec) {
    const check = await exec(['dnf', '-q', 'check-update']);
    if (check.code !== 0 && check.code !== 100) throw fail('dnf check-update', check);
    const sec = await exec(['dnf', '-q', 'updateinfo', 'list', '--security']);
    if (sec.code !== 0) throw fail('dnf updateinfo list --security', sec);
    const secNames = parseDnfSecurity(sec.stdout);
    const packages = parseDnfCheckUpdate(check.stdout).map((p) => ({ ...p, security: secNames.has(p.name) }));
    // needs-restarting (dnf-utils): exit 1 means a reboot is needed, 0 not
    const nr = await exec(['needs-restarting', '-r']);
    return {
      manager: 'dnf',
      packages,
      security: packages.filter((p) => p.security).length,
      reboot: nr.code === 1 ? true : nr.code === 0 ? false : null,
      rebootFor:
        nr.code === 1
          ? nr.stdout
              .split('\n')
              // its list under "updated since boot-up:" is "  * kernel"
              .filter((l) => /^\s*\*\s/.test(l))
              .map((l) => l.replace(/^\s*\*\s*/, '').trim())
          : [],
      notes: nr.code === null ? ['needs-restarting (dnf-utils) is not installed: reboot need unknown'] : [],
    };
  },
};

/** `apk version -l '<'` lines: `busybox-1.36.1-r2   < 1.36.1-r5`. */
export function parseApkVersion(text: string): PendingPackage[] {
  const out: PendingPackage[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+?)-(\d[^-\s]*-r\d+)\s+<\s+(\S+)/.exec(line.trim());
    if (m) out.push({ name: m[1]!, from: m[2]!, to: m[3]!, security: false });
  }
  return out;
}

export const apk: PackageManager = {
  name: 'apk',
  program: 'apk',
  async pending(exec, opts) {
    const r = await exec(['apk', 'version', '-l', '<']);
    if (r.code !== 0) throw fail("apk version -l '<'", r);
    return {
      manager: 'apk',
      packages: parseApkVersion(r.stdout),
      security: null,
      ...(await rebootRequired(opts.rebootFile).then((x) =>
        x.reboot ? x : { reboot: null, rebootFor: [] },
      )),
      notes: ['Alpine does not mark security updates apart: all are counted as updates'],
    };
  },
};

export const packageManagers = { apt, dnf, apk } as const;

/** The first manager whose program answers, in the order apt, dnf, apk. */
export async function detectManager(exec: Exec): Promise<PackageManager | undefined> {
  for (const m of [apt, dnf, apk]) {
    const r = await exec(['sh', '-c', `command -v ${m.program}`]);
    if (r.code === 0 && r.stdout.trim()) return m;
  }
  return undefined;
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { updatesSentence } from '../../src/routines/steps/updates.js';
import { type Exec, exec } from '../../src/updates/exec.js';
import { apk, apt, dnf, parseAptSimulate } from '../../src/updates/os-packages.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-updates-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noReboot = path.join(dir, 'no-reboot-required');

/** Recorded outputs of tools this machine does not have, answered by argv. */
const recorded =
  (answers: Record<string, { code: number | null; stdout?: string; error?: string }>): Exec =>
  async (argv) => {
    const a = answers[argv.join(' ')];
    if (!a) return { code: null, stdout: '', stderr: '', error: `${argv[0]} is not installed` };
    return { code: a.code, stdout: a.stdout ?? '', stderr: '', ...(a.error ? { error: a.error } : {}) };
  };

const hasApt = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get']);
    return true;
  } catch {
    return false;
  }
})();

describe('apt, for real on this Debian machine', () => {
  it.runIf(hasApt)('counts what apt list --upgradable counts, and the -security ones apart', async () => {
    const u = await apt.pending(exec, { rebootFile: noReboot });
    const listed = execFileSync('apt', ['list', '--upgradable'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .filter((l) => l.includes('[upgradable from:'));
    expect(u.packages.length).toBe(listed.length);
    // apt list shows one archive per package; the simulation sees every origin, so at least as many
    const securityListed = listed.filter((l) => /^[^/]+\/[^ ]*-security/.test(l)).length;
    expect(u.security).toBeGreaterThanOrEqual(securityListed);
    expect(u.security).toBeLessThanOrEqual(u.packages.length);
    expect(u.reboot).toBe(false);
  });

  it('parses the simulation: an update from any -security origin is a security one; new packages are not updates', () => {
    const text = `Reading package lists...
Inst base-files [12.4+deb12u11] (12.4+deb12u15 Debian:12.15/oldstable [amd64])
Inst libgcrypt20 [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64])
Inst openssl [3.0.2-0ubuntu1.10] (3.0.2-0ubuntu1.15 Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security [amd64]) []
Inst linux-image-6.1.0-28-amd64 (6.1.119-1 Debian-Security:12/stable-security [amd64])
Conf base-files (12.4+deb12u15 Debian:12.15/oldstable [amd64])
`;
    expect(parseAptSimulate(text)).toEqual([
      { name: 'base-files', from: '12.4+deb12u11', to: '12.4+deb12u15', security: false },
      { name: 'libgcrypt20', from: '1.10.1-3', to: '1.10.1-3+deb12u1', security: true },
      { name: 'openssl', from: '3.0.2-0ubuntu1.10', to: '3.0.2-0ubuntu1.15', security: true },
    ]);
  });

  it('reads /var/run/reboot-required and the packages that asked for it', async () => {
    const file = path.join(dir, 'reboot-required');
    writeFileSync(file, '*** System restart required ***\n');
    writeFileSync(`${file}.pkgs`, 'linux-image-6.1.0-28-amd64\nlibc6\nlibc6\n');
    const u = await apt.pending(
      recorded({
        'apt-get -s -o Debug::NoLocking=1 dist-upgrade': {
          code: 0,
          stdout: 'Inst libc6 [2.36-9+deb12u8] (2.36-9+deb12u9 Debian-Security:12/stable-security [amd64])\n',
        },
      }),
      { rebootFile: file },
    );
    expect(u).toMatchObject({
      security: 1,
      reboot: true,
      rebootFor: ['linux-image-6.1.0-28-amd64', 'libc6'],
    });
    expect(updatesSentence(u)).toBe('1 OS update pending, 1 security, reboot required');
  });

  it('a failing apt-get is an error with its last line, not "no updates"', async () => {
    const failing: Exec = async () => ({
      code: 100,
      stdout: '',
      stderr: 'E: Could not open lock file\nE: Unable to read lists',
    });
    await expect(apt.pending(failing, { rebootFile: noReboot })).rejects.toThrow(
      'apt-get -s dist-upgrade failed: exit 100: E: Unable to read lists',
    );
  });
});

describe('dnf and apk, on their recorded outputs', () => {
  it('dnf: check-update for the list, updateinfo --security for which are security, needs-restarting -r for the reboot', async () => {
    const u = await dnf.pending(
      recorded({
        'dnf -q check-update': {
          code: 100,
          stdout: `
openssl.x86_64                    1:3.0.7-27.el9          baseos
openssl-libs.x86_64               1:3.0.7-27.el9          baseos
kernel.x86_64                     5.14.0-427.13.1.el9_4   baseos
curl.x86_64                       7.76.1-29.el9_4         baseos
Obsoleting Packages
grub2-tools.x86_64                1:2.06-77.el9           baseos
    grub2-tools.x86_64            1:2.06-70.el9           @anaconda
`,
        },
        'dnf -q updateinfo list --security': {
          code: 0,
          stdout: `RHSA-2024:2447 Important/Sec. openssl-1:3.0.7-27.el9.x86_64
RHSA-2024:2447 Important/Sec. openssl-libs-1:3.0.7-27.el9.x86_64
RHSA-2024:3501 Moderate/Sec.  curl-7.76.1-29.el9_4.x86_64
`,
        },
        'needs-restarting -r': {
          code: 1,
          stdout: `Core libraries or services have been updated since boot-up:
  * kernel
  * openssl-libs

Reboot is required to fully utilize these updates.
More information: https://access.redhat.com/solutions/27943
`,
        },
      }),
      { rebootFile: noReboot },
    );
    expect(u.packages.map((p) => `${p.name} ${p.to}${p.security ? ' security' : ''}`)).toEqual([
      'openssl 1:3.0.7-27.el9 security',
      'openssl-libs 1:3.0.7-27.el9 security',
      'kernel 5.14.0-427.13.1.el9_4',
      'curl 7.76.1-29.el9_4 security',
    ]);
    expect(u).toMatchObject({ security: 3, reboot: true, rebootFor: ['kernel', 'openssl-libs'] });
    expect(updatesSentence(u)).toBe('4 OS updates pending, 3 security, reboot required');
  });

  it('dnf without needs-restarting: reboot unknown, said so', async () => {
    const u = await dnf.pending(
      recorded({ 'dnf -q check-update': { code: 0 }, 'dnf -q updateinfo list --security': { code: 0 } }),
      { rebootFile: noReboot },
    );
    expect(u).toMatchObject({ packages: [], security: 0, reboot: null });
    expect(u.notes[0]).toMatch(/needs-restarting/);
    expect(updatesSentence(u)).toBe('no OS updates pending');
  });

  it("apk: version -l '<' lists the updates; Alpine marks no security ones", async () => {
    const u = await apk.pending(
      recorded({
        'apk version -l <': {
          code: 0,
          stdout: `Installed:                                Available:
busybox-1.36.1-r2                       < 1.36.1-r5
libcrypto3-3.1.4-r1                     < 3.1.4-r5
ssl_client-1.36.1-r2                    < 1.36.1-r5
`,
        },
      }),
      { rebootFile: noReboot },
    );
    expect(u.packages.map((p) => `${p.name} ${p.from} → ${p.to}`)).toEqual([
      'busybox 1.36.1-r2 → 1.36.1-r5',
      'libcrypto3 3.1.4-r1 → 3.1.4-r5',
      'ssl_client 1.36.1-r2 → 1.36.1-r5',
    ]);
    expect(u).toMatchObject({ security: null, reboot: null });
    expect(updatesSentence(u)).toBe('3 OS updates pending');
  });
});

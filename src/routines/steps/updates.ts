import { z } from 'zod';
import { duration, maxTimerWait } from '../../config/types.js';
import { describe } from '../../errors.js';
import { exec } from '../../updates/exec.js';
import { detectManager, type PendingUpdates, packageManagers } from '../../updates/os-packages.js';
import type { Finding } from '../types.js';
import { options, type StepKind } from './types.js';

const schema = options(
  z.strictObject({
    /** the package manager; auto takes the first of apt, dnf, apk found */
    manager: z.enum(['auto', 'apt', 'dnf', 'apk']).default('auto'),
    /** the file Debian and Ubuntu write when an update needs a reboot */
    reboot_file: z.string().min(1).default('/var/run/reboot-required'),
    /** pending updates that are not security ones also need attention */
    attention_on_any: z.boolean().default(false),
    timeout: duration({ min: 1000, max: maxTimerWait }).prefault('120s'),
  }),
);

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "12 OS updates pending, 4 security, reboot required". */
export function updatesSentence(u: PendingUpdates): string {
  const parts = [
    u.packages.length
      ? `${plural(u.packages.length, 'OS update', 'OS updates')} pending`
      : 'no OS updates pending',
  ];
  if (u.packages.length && u.security !== null) parts.push(`${u.security} security`);
  if (u.reboot) parts.push('reboot required');
  return parts.join(', ');
}

/**
 * Operating-system packages with updates waiting, the security ones counted apart, and
 * whether the machine waits for a reboot: apt, dnf or apk behind one interface.
 */
export const updates: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'OS updates',
  series: {
    os_updates_pending: { help: 'Operating-system packages with an update pending' },
    os_security_updates_pending: { help: 'Pending operating-system updates from a security origin' },
    os_reboot_required: { help: '1 when the system says a reboot is required' },
  },
  async run(spec) {
    const run: typeof exec = (argv, o) => exec(argv, { timeoutMs: spec.timeout, ...o });
    const manager = spec.manager === 'auto' ? await detectManager(run) : packageManagers[spec.manager];
    if (!manager)
      return {
        status: 'skipped',
        reason: 'no apt-get, dnf or apk on this machine',
        summary: 'no package manager Vigil reads (apt, dnf, apk) on this machine',
        findings: [],
      };
    let u: PendingUpdates;
    try {
      u = await manager.pending(run, { rebootFile: spec.reboot_file });
    } catch (e) {
      return {
        status: 'failed',
        reason: describe(e),
        summary: `could not list updates: ${describe(e)}`,
        findings: [],
      };
    }
    const findings: Finding[] = [];
    if (u.reboot)
      findings.push({
        status: 'attention',
        text: `reboot required${u.rebootFor.length ? ` for ${u.rebootFor.join(', ')}` : ''}`,
      });
    const sec = u.packages.filter((p) => p.security);
    if (sec.length)
      findings.push({
        status: 'attention',
        text: `security: ${sec.map((p) => `${p.name} ${p.from ? `${p.from} → ` : ''}${p.to}`).join(', ')}`,
      });
    const rest = u.packages.filter((p) => !p.security);
    if (rest.length)
      findings.push({
        status: spec.attention_on_any ? 'attention' : 'ok',
        text: `other: ${rest.map((p) => `${p.name} ${p.to}`).join(', ')}`,
      });
    for (const n of u.notes) findings.push({ status: 'ok', text: n });
    const needs = sec.length > 0 || u.reboot === true || (spec.attention_on_any && rest.length > 0);
    return {
      status: needs ? 'attention' : 'ok',
      summary: `${updatesSentence(u)} (${u.manager})`,
      findings,
      state: { manager: u.manager, pending: u.packages.length, security: u.security, reboot: u.reboot },
      series: [
        { name: 'os_updates_pending', value: u.packages.length },
        { name: 'os_security_updates_pending', value: sec.length },
        // unknown (no reboot file, no needs-restarting): no series rather than a false 0
        ...(u.reboot === null ? [] : [{ name: 'os_reboot_required', value: u.reboot ? 1 : 0 }]),
      ],
    };
  },
};

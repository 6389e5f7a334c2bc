import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { reportOf, runRoutine } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';

const hasApt = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get']);
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(hasApt)('the updates step on this machine, through apt', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-updates-step-'));
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts pending and security updates as apt sees them, and the reboot file', async () => {
    writeFileSync(path.join(dir, 'reboot-required'), '*** System restart required ***\n');
    const yaml = `routines:
  - name: weekly
    cron: "0 8 * * 1"
    steps:
      - updates: { manager: auto, reboot_file: ${JSON.stringify(path.join(dir, 'reboot-required'))} }
`;
    const l = parseConfig(yaml, path.join(dir, 'vigil.yaml'), {});
    const now = Date.now();
    const r = await runRoutine({ store, loaded: l }, l.config.routines[0]!, { now });
    const s = (await reportOf(store, r.run.id, now)).steps[0]!;
    const state = s.state as { pending: number; security: number };
    expect(s.title).toBe('OS updates');
    expect(s.summary).toBe(
      state.pending
        ? `${state.pending} OS update${state.pending === 1 ? '' : 's'} pending, ${state.security} security, reboot required (apt)`
        : 'no OS updates pending, reboot required (apt)',
    );
    expect(s.status).toBe('attention');
    expect(s.findings[0]!.text).toBe('reboot required');
  });
});

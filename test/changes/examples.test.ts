import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { changesOf } from '../../src/changes/compiled.js';
import { parseRollbackPlan } from '../../src/changes/records.js';
import { loadConfig } from '../../src/config/loader.js';

const root = path.resolve('.');

describe('change management examples', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-changes-examples-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('examples/changes.yaml is a ready config and its rollback plan is complete', () => {
    const { config } = loadConfig(path.join(root, 'examples/changes.yaml'), {});
    const c = changesOf(config);
    expect(c.windows.map((w) => [w.name, w.kind, w.timezone])).toEqual([
      ['weeknights', 'allow', 'Europe/Berlin'],
      ['us-lunch', 'deny', 'America/New_York'],
    ]);
    expect(c.freezes.map((f) => f.ranges.length)).toEqual([1, 4]);
    const plan = parseRollbackPlan(
      parse(readFileSync(path.join(root, 'examples/rollback-plan.yaml'), 'utf8')),
    );
    expect(plan).toMatchObject({ target: 'v2.2.4', owner: 'alice', budgetMs: 900_000 });
  });

  /**
   * The workflow's own plan and gate steps, run by bash as a runner would, with `npx vigil`
   * being this checkout's built CLI and the example config on a scratch SQLite store.
   */
  it('examples/github/deploy-gate.yml runs the gate: JSON on stdout, exit 0 allowed or 1 denied', () => {
    const workflow = parse(readFileSync(path.join(root, 'examples/github/deploy-gate.yml'), 'utf8'));
    const steps = workflow.jobs.gate.steps as { id?: string; name?: string; run?: string }[];
    const planStep = steps.find((s) => s.id === 'plan')!.run!;
    const gateStep = steps.find((s) => s.name === 'Deploy gate (CLI)')!.run!;

    mkdirSync(path.join(dir, 'deploy'));
    mkdirSync(path.join(dir, 'bin'));
    const example = readFileSync(path.join(root, 'examples/changes.yaml'), 'utf8').replace(
      'storage: sqlite:./vigil.db',
      `storage: sqlite:${path.join(dir, 'vigil.db')}`,
    );
    writeFileSync(path.join(dir, 'deploy/vigil.yaml'), example);
    copyFileSync(path.join(root, 'examples/rollback-plan.yaml'), path.join(dir, 'deploy/rollback-plan.yaml'));
    const npx = path.join(dir, 'bin/npx');
    writeFileSync(
      npx,
      `#!/bin/sh\nshift\nexec "${process.execPath}" "${path.join(root, 'bin/vigil.js')}" "$@"\n`,
    );
    chmodSync(npx, 0o755);
    const output = path.join(dir, 'github-output');
    writeFileSync(output, '');
    const env = {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
      HOME: dir,
      VIGIL_CONFIG: 'deploy/vigil.yaml',
      GITHUB_SHA: '0123456789abcdef',
      GITHUB_OUTPUT: output,
      REASON: '',
    };
    const bash = (script: string) =>
      spawnSync('bash', ['-e', '-c', script], { cwd: dir, env, encoding: 'utf8' });

    const planned = bash(planStep);
    expect(planned.stderr).toBe('');
    expect(planned.status).toBe(0);
    const change = /^change=(\d+)$/m.exec(readFileSync(output, 'utf8'))?.[1];
    expect(change).toBe('1');

    const gated = bash(gateStep.replaceAll('${{ steps.plan.outputs.change }}', change!));
    const decision = JSON.parse(gated.stdout);
    expect(decision).toMatchObject({ service: 'orders', change: 1 });
    expect(decision.reasons.map((r: { kind: string }) => r.kind)).not.toContain('rollback_plan');
    expect(gated.status).toBe(decision.allowed ? 0 : 1);
    if (!decision.allowed) expect(decision.next_open_at ?? decision.reasons.length).toBeTruthy();
    expect(Math.abs(Date.parse(decision.decided_at) - Date.now())).toBeLessThan(60_000);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/store.js';
import { captureIo } from '../cli/io.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-change-cli-'));
const config = path.join(dir, 'vigil.yaml');
writeFileSync(
  config,
  `storage: sqlite:${path.join(dir, 'vigil.db')}
checks:
  - { name: api-http, http: { url: "http://127.0.0.1:1/" }, labels: { service: api } }
changes:
  timezone: Europe/Berlin
  windows:
    - { name: weeknights, allow: { cron: "0 22 * * 1-4", duration: 4h } }
  freezes:
    - { name: holidays, from: 2026-12-20, until: 2027-01-04 }
  require: { rollback_plan: true, no_open_incident: false, no_firing: [] }
`,
);
const planFile = (name: string, body: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, body);
  return f;
};
const goodPlan = planFile(
  'plan.yaml',
  `target: v1.4.2
steps: ["echo restoring v1.4.2", "echo done >&2"]
data: no schema change
verify: ["true"]
owner: alice
budget: 10m
tested: https://ci.example/runs/42
`,
);
const failingPlan = planFile(
  'failing.yaml',
  'target: v1\nsteps: ["echo trying", "exit 3", "echo never"]\ndata: none\nverify: ["true"]\nowner: bob\nbudget: 5m\n',
);
const noSteps = planFile(
  'nosteps.yaml',
  'target: v1\nsteps: []\ndata: none\nverify: ["true"]\nowner: bob\nbudget: 5m\n',
);

async function vigil(argv: string[], env: Record<string, string> = {}) {
  const c = captureIo(dir, { USER: 'tester', ...env });
  const code = await main(['node', 'vigil', ...argv, '--config', config], c.io);
  return { code, out: c.stdout(), err: c.stderr() };
}

const inWindow = '2026-11-26T21:30:00Z';
const inFreeze = '2026-12-23T21:30:00Z';

describe('vigil change', () => {
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    const store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
    for (const role of ['operator', 'admin'] as const)
      tokens[role] = (
        await createToken(store, { name: `ci-${role}`, owner: 'test', role, expiresAt: null }, Date.now())
      ).token;
    await store.close();
  });
  afterAll(() => {});

  it('plan --at without a zone is in changes.timezone, and the answer shows it with its offset', async () => {
    const plan = await vigil([
      'change',
      'plan',
      '--title',
      'zoned',
      '--service',
      'api',
      '--at',
      '2026-12-02T22:30',
      '--rollback',
      goodPlan,
    ]);
    expect(plan.code, plan.err).toBe(0);
    // Berlin is UTC+1 in December: 22:30 there is 21:30Z.
    expect(plan.out).toMatch(/planned {3}2026-12-02T21:30:00Z \(2026-12-02T22:30:00\+01:00 Europe\/Berlin\)/);
    const summer = await vigil(['change', 'gate', '--service', 'api', '--at', '2026-07-02T22:30', '--json']);
    expect(JSON.parse(summer.out).evaluated_at).toBe('2026-07-02T20:30:00.000Z');
  });

  it('gate: exit 0 in a window, 1 in a freeze with reasons and next_open_at, JSON for CI', async () => {
    const plan = await vigil([
      'change',
      'plan',
      '--title',
      'v1.5',
      '--service',
      'api',
      '--at',
      inWindow,
      '--rollback',
      goodPlan,
      '--json',
    ]);
    expect(plan.code).toBe(0);
    const id = JSON.parse(plan.out).id as number;

    const ok = await vigil(['change', 'gate', '--change', String(id), '--at', inWindow, '--json']);
    expect(ok.code).toBe(0);
    const allowed = JSON.parse(ok.out);
    expect(allowed).toMatchObject({
      allowed: true,
      reasons: [],
      service: 'api',
      change: id,
      next_open_at: null,
    });
    expect(Date.parse(allowed.decided_at)).toBeGreaterThan(Date.parse('2026-01-01'));

    const denied = await vigil(['change', 'gate', '--change', String(id), '--at', inFreeze, '--json']);
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.out)).toMatchObject({
      allowed: false,
      reasons: [{ kind: 'freeze', name: 'holidays' }],
      next_open_at: '2027-01-04T23:00:00.000Z',
    });

    const text = await vigil(['change', 'gate', '--change', String(id), '--at', inFreeze]);
    expect(text.code).toBe(1);
    expect(text.out).toContain('denied');
    expect(text.out).toContain('freeze "holidays" is in force until 2027-01-04T23:00:00.000Z');
  });

  it('gate: a rollback plan is required, so no --change is a denial', async () => {
    const r = await vigil(['change', 'gate', '--service', 'api', '--at', inWindow, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).reasons.map((x: { kind: string }) => x.kind)).toEqual(['rollback_plan']);
  });

  it('bad input exits 2: unknown service, bad time, plan without steps', async () => {
    const unknown = await vigil(['change', 'gate', '--service', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown service "nope" [SERVICE_NOT_FOUND]');
    expect((await vigil(['change', 'gate', '--service', 'api', '--at', 'tomorrow'])).code).toBe(2);
    const steps = await vigil(['change', 'plan', '--title', 't', '--service', 'api', '--rollback', noSteps]);
    expect(steps.code).toBe(2);
    expect(steps.err).toContain('the rollback plan needs steps: a list of commands [USAGE]');
    const none = await vigil(['change', 'plan', '--title', 't', '--service', 'api']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('[ROLLBACK_PLAN_REQUIRED]');
  });

  it('override: needs a token with change.override, and is recorded', async () => {
    const args = [
      'change',
      'gate',
      '--service',
      'api',
      '--at',
      inFreeze,
      '--override',
      '--reason',
      'CVE fix',
      '--json',
    ];
    const anon = await vigil(args);
    expect(anon.code).toBe(2);
    expect(anon.err).toContain('[UNAUTHENTICATED]');
    const op = await vigil(args, { VIGIL_TOKEN: tokens.operator! });
    expect(op.code).toBe(2);
    expect(op.err).toContain('[FORBIDDEN]');
    const admin = await vigil(args, { VIGIL_TOKEN: tokens.admin! });
    expect(admin.code).toBe(0);
    expect(JSON.parse(admin.out)).toMatchObject({
      allowed: true,
      override: { by: 'token:ci-admin', reason: 'CVE fix', via: 'token' },
    });
    const store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
    try {
      expect((await store.changes.overrides())[0]).toMatchObject({
        actor: 'token:ci-admin',
        kind: 'override',
      });
    } finally {
      await store.close();
    }
  });

  it('plan → start → finish, then list and show with the timeline', async () => {
    const p = await vigil([
      'change',
      'plan',
      '--title',
      'orders v2',
      '--service',
      'api',
      '--version',
      'v2.0.0',
      '--at',
      inWindow,
      '--window',
      'weeknights',
      '--rollback',
      goodPlan,
      '--json',
    ]);
    expect(p.code).toBe(0);
    const id = String(JSON.parse(p.out).id);
    expect((await vigil(['change', 'finish', id])).code).toBe(2); // not started
    expect((await vigil(['change', 'start', id])).code).toBe(0);
    const f = await vigil(['change', 'finish', id, '--status', 'ok', '--json']);
    expect(JSON.parse(f.out)).toMatchObject({ status: 'ok', version: 'v2.0.0', window: 'weeknights' });
    const show = JSON.parse((await vigil(['change', 'show', id, '--json'])).out);
    expect(show.timeline.map((e: { kind: string }) => e.kind)).toEqual(['planned', 'started', 'finished']);
    expect(show.rollback).toMatchObject({
      target: 'v1.4.2',
      owner: 'alice',
      budget_ms: 600_000,
      tested: 'https://ci.example/runs/42',
    });
    const list = await vigil(['change', 'list']);
    expect(list.out).toMatch(
      new RegExp(`${id}\\s+ok\\s+2026-11-26T21:30:00Z\\s+api\\s+v2.0.0\\s+v1.4.2\\s+orders v2`),
    );
    // outside the named window
    const outside = await vigil([
      'change',
      'plan',
      '--title',
      'x',
      '--service',
      'api',
      '--at',
      '2026-11-27T12:00:00Z',
      '--window',
      'weeknights',
      '--rollback',
      goodPlan,
    ]);
    expect(outside.code).toBe(2);
    expect(outside.err).toContain('it next opens at 2026-11-30T21:00:00.000Z');
  });

  it('rollback runs the steps with live output and records the outcome', async () => {
    const id = String(
      JSON.parse(
        (
          await vigil([
            'change',
            'plan',
            '--title',
            'r',
            '--service',
            'api',
            '--rollback',
            goodPlan,
            '--json',
          ])
        ).out,
      ).id,
    );
    expect((await vigil(['change', 'rollback', id])).code).toBe(2); // planned: nothing to roll back
    await vigil(['change', 'start', id]);
    const r = await vigil(['change', 'rollback', id]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      '$ echo restoring v1.4.2',
      '  restoring v1.4.2',
      '$ echo done >&2',
      '  done',
      '$ true',
      `change #${id} rolled back`,
    ]);
    const show = JSON.parse((await vigil(['change', 'show', id, '--json'])).out);
    expect(show.status).toBe('rolled-back');
    expect(show.timeline.map((e: { kind: string }) => e.kind)).toEqual([
      'planned',
      'started',
      'rollback_started',
      'rollback_step',
      'rollback_step',
      'rollback_step',
      'rollback_finished',
    ]);

    const bad = String(
      JSON.parse(
        (
          await vigil([
            'change',
            'plan',
            '--title',
            'f',
            '--service',
            'api',
            '--rollback',
            failingPlan,
            '--json',
          ])
        ).out,
      ).id,
    );
    await vigil(['change', 'start', bad]);
    const f = await vigil(['change', 'rollback', bad, '--json']);
    expect(f.code).toBe(1);
    const outcome = JSON.parse(f.out);
    expect(outcome).toMatchObject({ ok: false, change: { status: 'failed' } });
    expect(outcome.steps.map((s: { command: string; code: number }) => [s.command, s.code])).toEqual([
      ['echo trying', 0],
      ['exit 3', 3],
    ]);
  });
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCheck } from '../../src/checks/drift.js';
import { parseTerraformPlan } from '../../src/checks/drift-parse.js';
import { makeCtx } from './ctx.js';

const fixtures = path.resolve('test/fixtures/terraform');
const stand = path.join(fixtures, 'recorded-plan.sh');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-drift-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (spec: Record<string, unknown>, ctx = makeCtx({ timeoutMs: 60_000 })) =>
  driftCheck.run(driftCheck.schema.parse(spec), ctx);

/** A plan run through the stand-in for terraform, which replays a recorded `plan -json`. */
const plan = (fixture: string, exit: number, extra: Record<string, string> = {}) =>
  run({
    tool: 'terraform',
    dir: fixtures,
    program: stand,
    env: { PLAN_FIXTURE: path.join(fixtures, fixture), PLAN_EXIT: String(exit), ...extra },
  });

describe('drift: Terraform/OpenTofu, on recorded plan -json outputs (terraform is not installable here)', () => {
  it('exit 2: the resources that would change, planned and drifted, reads excluded; drift_resources', async () => {
    const argsFile = path.join(dir, 'args');
    const out = await plan('drift.jsonl', 2, { PLAN_ARGS: argsFile });
    expect(out.status).toBe('warning');
    expect(out.message).toBe(
      `drift: 2 resources in ${fixtures}: aws_security_group.app (update), aws_instance.web (update)`,
    );
    expect(out.samples).toEqual([{ name: 'drift_resources', value: 2 }]);
    expect(fs.readFileSync(argsFile, 'utf8').trim().split('\n')).toEqual([
      'plan',
      '-detailed-exitcode',
      '-json',
      '-input=false',
      '-lock=false',
      '-no-color',
    ]);
  });

  it('exit 0: no drift, and 0 recorded', async () => {
    const out = await plan('clean.jsonl', 0);
    expect(out).toMatchObject({ status: 'ok', samples: [{ name: 'drift_resources', value: 0 }] });
    expect(out.message).toBe(`no drift in ${fixtures}`);
  });

  it('replace, create and delete are actions of their own; module addresses kept', () => {
    expect(parseTerraformPlan(fs.readFileSync(path.join(fixtures, 'replace.jsonl'), 'utf8')).items).toEqual([
      { what: 'module.db.aws_db_instance.main', action: 'replace' },
      { what: 'aws_s3_bucket.logs["eu"]', action: 'create' },
      { what: 'aws_iam_user.old', action: 'delete' },
    ]);
  });

  it('exit 1 is unknown with the diagnostic, never "no drift"', async () => {
    const out = await plan('error.jsonl', 1);
    expect(out.status).toBe('unknown');
    expect(out.message).toBe(
      'terraform failed (exit 1): No valid credential sources found: Please see https://registry.terraform.io/providers/hashicorp/aws for more information about providing credentials.',
    );
    expect(out.samples).toBeUndefined();
  });

  it('output that is not JSON is unknown, with the line and stderr', async () => {
    fs.writeFileSync(path.join(dir, 'text.txt'), 'Terraform will perform the following actions:\n');
    const out = await run({
      tool: 'tofu',
      dir,
      program: stand,
      env: {
        PLAN_FIXTURE: path.join(dir, 'text.txt'),
        PLAN_EXIT: '2',
        PLAN_STDERR: 'Warning: -json is ignored',
      },
    });
    expect(out.status).toBe('unknown');
    expect(out.message).toBe(
      'tofu exit 2: the plan output is not JSON lines (line 1: Terraform will perform the following actions:) (Warning: -json is ignored)',
    );
  });

  it('a program that is not installed is unknown, saying so', async () => {
    const out = await run({ tool: 'terraform', dir, program: path.join(dir, 'no-terraform') });
    expect(out).toMatchObject({ status: 'unknown' });
    expect(out.message).toMatch(/is not installed/);
  });

  it('a timeout aborts the plan', async () => {
    const ctx = makeCtx({ timeoutMs: 50 });
    fs.writeFileSync(path.join(dir, 'slow.sh'), '#!/bin/sh\nsleep 5\n');
    fs.chmodSync(path.join(dir, 'slow.sh'), 0o755);
    setTimeout(() => ctx.controller.abort(), 50);
    const out = await run({ tool: 'terraform', dir, program: path.join(dir, 'slow.sh') }, ctx);
    expect(out).toEqual({ status: 'unknown', message: 'terraform: timed out' });
  });
});

const hasAnsible = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v ansible-playbook']);
    return true;
  } catch {
    return false;
  }
})();

if (!hasAnsible && process.env.CI === 'true') throw new Error('ansible-playbook is required under CI=true');
if (!hasAnsible)
  console.warn(
    'skipping the Ansible drift test: ansible-playbook is not installed (apt install ansible-core)',
  );

describe.runIf(hasAnsible)('drift: Ansible, for real against localhost with connection: local', () => {
  const playbook = (target: string) => `- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: config file is in place
      ansible.builtin.copy:
        dest: ${target}
        content: "wanted\\n"
    - name: marker exists
      ansible.builtin.file:
        path: ${target}.marker
        state: touch
        modification_time: preserve
        access_time: preserve
`;

  it('changed tasks are drift; once applied there is none', async () => {
    const target = path.join(dir, 'app.conf');
    fs.writeFileSync(path.join(dir, 'site.yml'), playbook(target));
    fs.writeFileSync(target, 'edited by hand\n');
    const spec = { tool: 'ansible', dir, playbook: 'site.yml', inventory: 'localhost,' };
    const drifted = await run(spec);
    expect(drifted.status).toBe('warning');
    expect(drifted.message).toBe(
      'drift: 2 tasks in site.yml: localhost: config file is in place, localhost: marker exists',
    );
    expect(drifted.samples).toEqual([{ name: 'drift_resources', value: 2 }]);
    expect(fs.readFileSync(target, 'utf8')).toBe('edited by hand\n'); // --check changed nothing

    fs.writeFileSync(target, 'wanted\n');
    fs.writeFileSync(`${target}.marker`, '');
    const clean = await run(spec);
    expect(clean).toEqual({
      status: 'ok',
      message: 'no drift in site.yml',
      samples: [{ name: 'drift_resources', value: 0 }],
    });
  }, 60_000);

  it('a failing task is unknown with its message', async () => {
    fs.writeFileSync(
      path.join(dir, 'bad.yml'),
      `- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: needs a file that is not there
      ansible.builtin.command: cat ${path.join(dir, 'absent')}
      check_mode: false
`,
    );
    const out = await run({ tool: 'ansible', dir, playbook: 'bad.yml', inventory: 'localhost,' });
    expect(out.status).toBe('unknown');
    expect(out.message).toBe(
      'ansible failed (exit 2): localhost: needs a file that is not there failed: non-zero return code',
    );
  }, 60_000);

  it("a playbook that does not exist is unknown, with ansible's own words", async () => {
    const out = await run({ tool: 'ansible', dir, playbook: 'nope.yml', inventory: 'localhost,' });
    expect(out.status).toBe('unknown');
    expect(out.message).toMatch(
      /^ansible exit 1: the playbook output is not the JSON callback's .*could not be found/,
    );
  }, 60_000);
});

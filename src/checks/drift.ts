import { execFile } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { type DriftReport, parseAnsibleJson, parseTerraformPlan } from './drift-parse.js';
import type { CheckKind } from './types.js';

const schema = z
  .strictObject({
    /** terraform and tofu run `plan -detailed-exitcode -json`; ansible runs `ansible-playbook --check --diff` */
    tool: z.enum(['terraform', 'tofu', 'ansible']),
    /** the folder the tool runs in: the Terraform root module, or the playbook's folder */
    dir: z.string().min(1).default('.'),
    /** ansible: the playbook, relative to dir */
    playbook: z.string().min(1).optional(),
    /** ansible: the inventory (a file, or a host list such as "localhost,") */
    inventory: z.string().min(1).optional(),
    /** more arguments, e.g. ["-var-file=prod.tfvars"] or ["--limit", "web"] */
    args: z.array(z.string()).default([]),
    /** the program, when it is not on PATH under the tool's name */
    program: z.string().min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.tool === 'ansible' && !s.playbook)
      ctx.addIssue({
        code: 'custom',
        path: ['playbook'],
        message: 'ansible drift needs a playbook',
        params: { hint: 'e.g. playbook: site.yml' },
      });
  });

export type DriftSpec = z.output<typeof schema>;

function argv(spec: DriftSpec): string[] {
  if (spec.tool === 'ansible')
    return [
      spec.program ?? 'ansible-playbook',
      '--check',
      '--diff',
      ...(spec.inventory ? ['-i', spec.inventory] : []),
      ...spec.args,
      spec.playbook!,
    ];
  return [
    spec.program ?? spec.tool,
    'plan',
    '-detailed-exitcode',
    '-json',
    '-input=false',
    '-lock=false',
    '-no-color',
    ...spec.args,
  ];
}

/** Up to 32 MiB of output: a plan of thousands of resources still fits. */
const maxBuffer = 32 * 1024 * 1024;

function run(
  spec: DriftSpec,
  signal: AbortSignal,
): Promise<{ code: number | null; stdout: string; stderr: string; error?: string }> {
  const [file, ...args] = argv(spec);
  return new Promise((resolve) => {
    execFile(
      file!,
      args,
      {
        cwd: spec.dir,
        signal,
        maxBuffer,
        killSignal: 'SIGKILL',
        env: {
          ...process.env,
          // the JSON stdout callback, and no cows or colours in it
          ...(spec.tool === 'ansible'
            ? { ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.json', ANSIBLE_NOCOLOR: '1', ANSIBLE_NOCOWS: '1' }
            : { TF_IN_AUTOMATION: '1', TF_INPUT: '0' }),
          ...spec.env,
        },
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        if (!e) return resolve({ code: 0, stdout, stderr });
        if (typeof e.code === 'number') return resolve({ code: e.code, stdout, stderr });
        resolve({
          code: null,
          stdout,
          stderr,
          error:
            e.code === 'ENOENT'
              ? `${file} is not installed (or dir ${spec.dir} does not exist)`
              : e.name === 'AbortError'
                ? 'timed out'
                : e.message,
        });
      },
    );
  });
}

const lastLine = (s: string) => s.trim().split('\n').at(-1)?.trim() ?? '';

/**
 * Infrastructure that no longer matches its code: a Terraform/OpenTofu plan with changes
 * (exit 2 of -detailed-exitcode) or an Ansible check run with changed tasks. Drift is a
 * warning; a tool that fails is unknown, never "no drift".
 */
export const driftCheck: CheckKind<DriftSpec> = {
  schema,
  series: ['drift_resources'],
  target: (s) => `${s.tool} ${s.tool === 'ansible' ? path.join(s.dir, s.playbook ?? '') : s.dir}`,
  async run(spec, ctx) {
    const r = await run(spec, ctx.signal);
    const where = spec.tool === 'ansible' ? spec.playbook! : spec.dir;
    if (r.error) return { status: 'unknown', message: `${spec.tool}: ${r.error}` };
    let report: DriftReport;
    try {
      report = spec.tool === 'ansible' ? parseAnsibleJson(r.stdout) : parseTerraformPlan(r.stdout);
    } catch (e) {
      const why = (e as Error).message;
      return {
        status: 'unknown',
        message: `${spec.tool} exit ${r.code}: ${why}${lastLine(r.stderr) ? ` (${lastLine(r.stderr)})` : ''}`,
      };
    }
    // terraform: 0 no changes, 1 error, 2 changes; ansible: 0 ran (changes or not), 2 a task failed, 4 unreachable
    const failed =
      spec.tool === 'ansible' ? report.errors.length > 0 || r.code !== 0 : r.code !== 0 && r.code !== 2;
    if (failed)
      return {
        status: 'unknown',
        message: `${spec.tool} failed (exit ${r.code}): ${report.errors[0] ?? (lastLine(r.stderr) || 'no error given')}`,
      };
    const n = report.items.length;
    const samples = [{ name: 'drift_resources', value: n }];
    if (spec.tool !== 'ansible' && r.code === 2 && n === 0)
      return {
        status: 'warning',
        message: `drift in ${where}: the plan has changes (outputs only)`,
        samples,
      };
    if (!n) return { status: 'ok', message: `no drift in ${where}`, samples };
    const shown = report.items
      .slice(0, 5)
      .map((i) => (i.action === 'changed' ? i.what : `${i.what} (${i.action})`))
      .join(', ');
    return {
      status: 'warning',
      message: `drift: ${n} ${spec.tool === 'ansible' ? (n === 1 ? 'task' : 'tasks') : n === 1 ? 'resource' : 'resources'} in ${where}: ${shown}${n > 5 ? ` and ${n - 5} more` : ''}`,
      samples,
    };
  },
};

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CommandSpec, commandCheck } from '../../src/checks/command.js';
import { makeCtx } from './ctx.js';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-command-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(spec: Partial<CommandSpec> & Pick<CommandSpec, 'run'>, ctx = makeCtx()) {
  return commandCheck.run(commandCheck.schema.parse(spec), ctx);
}

function sample(out: Awaited<ReturnType<typeof run>>, name: string, labels?: Record<string, string>) {
  return out.samples?.find(
    (s) => s.name === name && (!labels || JSON.stringify(s.labels) === JSON.stringify(labels)),
  )?.value;
}

/** Gone, or a zombie nobody has reaped yet: either way it no longer runs. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('command check', () => {
  it.each([
    [0, 'ok'],
    [1, 'warning'],
    [2, 'critical'],
    [3, 'unknown'],
  ] as const)('maps exit code %i to %s, with the first line as the message', async (code, status) => {
    const out = await run({ run: `echo "PLUGIN says ${code}"; echo "long text"; exit ${code}` });
    expect(out.status).toBe(status);
    expect(out.message).toBe(`PLUGIN says ${code}`);
    expect(sample(out, 'command_exit_code')).toBe(code);
  });

  it('calls any other exit code unknown, and says so', async () => {
    const out = await run({ run: 'echo broken; exit 42' });
    expect(out.status).toBe('unknown');
    expect(out.message).toBe('exit code 42, not a plugin status (0-3): broken');
  });

  it('calls death by a signal unknown, naming the signal', async () => {
    const out = await run({ run: 'kill -9 $$' });
    expect(out.status).toBe('unknown');
    expect(out.message).toBe('killed by SIGKILL');
    expect(sample(out, 'command_exit_code')).toBeUndefined();
  });

  it('falls back to stderr when stdout is empty', async () => {
    const out = await run({ run: 'echo "disk on fire" >&2; exit 2' });
    expect(out).toMatchObject({ status: 'critical', message: 'disk on fire' });
  });

  it('parses perfdata into samples in base units', async () => {
    const out = await run({
      run: [
        'printf',
        '%s\n',
        "DISK OK - 10% used | '/ used'=10MB;20;30;0;100 time=250ms",
        'more long text',
        "rest | load=0.5;1;2 pct=42%;80;90 hits=7c 'it''s'=3us nothing=U",
      ],
    });
    expect(out.status).toBe('ok');
    expect(out.message).toBe('DISK OK - 10% used');
    const perf = Object.fromEntries(
      (out.samples ?? []).filter((s) => s.name === 'command_perfdata').map((s) => [s.labels?.label, s.value]),
    );
    expect(perf).toEqual({
      '/ used': 10 * 1024 * 1024,
      time: 0.25,
      load: 0.5,
      pct: 42,
      hits: 7,
      "it's": 3e-6,
    });
  });

  it('runs an argv without a shell, in cwd, with env added to its own', async () => {
    vi.stubEnv('VIGIL_INHERITED', 'inherited');
    const out = await run({
      run: ['/bin/sh', '-c', 'echo "$GREETING from $(pwd), $VIGIL_INHERITED"'],
      env: { GREETING: 'hello' },
      cwd: dir,
    });
    expect(out).toMatchObject({ status: 'ok', message: `hello from ${fs.realpathSync(dir)}, inherited` });
    vi.unstubAllEnvs();
    const literal = await run({ run: ['echo', '$HOME; exit 2'] });
    expect(literal).toMatchObject({ status: 'ok', message: '$HOME; exit 2' });
  });

  it('reads 10 MB of output to the end but keeps only 64 KiB', async () => {
    const out = await run({ run: 'head -c 10485760 /dev/zero | tr "\\0" x; echo; echo "| size=1B"; exit 1' });
    expect(out.status).toBe('warning');
    expect(sample(out, 'command_output_bytes', { stream: 'stdout' })).toBe(10 * 1024 * 1024 + 1 + 10);
    expect(out.message).toBe('x'.repeat(64 * 1024));
    // the perfdata line came after the cap, so it was dropped with the rest
    expect(sample(out, 'command_perfdata', { label: 'size' })).toBeUndefined();
  });

  it('kills the whole process group when aborted', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const ctx = makeCtx({ timeoutMs: 250 });
    const outcome = run({ run: `sleep 30 & echo $! > ${pidFile}; sleep 30` }, ctx);
    // The shell creates the file before it writes the pid: wait until a pid is in it.
    const grandchild = await vi.waitFor(
      () => {
        const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
        if (!pid) throw new Error('no pid yet');
        return pid;
      },
      { timeout: 5000, interval: 10 },
    );
    expect(running(grandchild)).toBe(true);
    ctx.controller.abort(new Error('timeout'));
    const out = await outcome;
    expect(out).toMatchObject({ status: 'critical', message: 'timed out after 250ms' });
    // The group was signalled at once; the grandchild's end may trail its parent's by a moment.
    await vi.waitFor(() => expect(running(grandchild)).toBe(false), { timeout: 1000, interval: 5 });
  });

  it('does not wait for a background process that keeps its stdout open', async () => {
    const started = Date.now();
    const out = await run({ run: 'sleep 30 & echo $!' });
    try {
      expect(out.status).toBe('ok');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      process.kill(Number(out.message), 'SIGKILL');
    }
  });

  it('does not start at all when already aborted', async () => {
    const ctx = makeCtx({ timeoutMs: 10 });
    ctx.controller.abort();
    const marker = path.join(dir, 'should-not-exist');
    const out = await run({ run: `touch ${marker}` }, ctx);
    expect(out.status).toBe('critical');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('reports a command that cannot be started as unknown, with the reason', async () => {
    const out = await run({ run: ['/nonexistent/check_thing', '-w', '1'] });
    expect(out.status).toBe('unknown');
    expect(out.message).toMatch(/^cannot run \/nonexistent\/check_thing -w 1: .*ENOENT/);
  });

  it('rejects invalid specs', () => {
    expect(commandCheck.schema.safeParse({ run: 42 }).success).toBe(false);
    expect(commandCheck.schema.safeParse({ run: [] }).success).toBe(false);
    expect(commandCheck.schema.safeParse({ run: 'true', timeout: '5s' }).success).toBe(false);
    expect(commandCheck.schema.safeParse({ run: 'true', env: { A: 1 } }).success).toBe(false);
  });
});

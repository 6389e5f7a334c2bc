import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { describe } from '../errors.js';
import type { CheckKind, CheckStatus, KindOutcome, Sample } from './types.js';

const schema = z.strictObject({
  /** a string runs through `/bin/sh -c`; an array is the argv, run without a shell */
  run: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  /** added to Vigil's own environment, so PATH and friends still reach the plugin */
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().min(1).optional(),
});

export type CommandSpec = z.output<typeof schema>;

/** Per stream; the rest is read and dropped so a chatty command neither blocks on a full pipe nor fills memory. */
const maxCaptured = 64 * 1024;
/** Between SIGTERM to the process group and SIGKILL. */
const killGraceMs = 2000;
/**
 * After the command exits, how long to wait for its pipes to close: a
 * background process it left behind may hold them open for ever.
 */
const drainMs = 1000;

/** Nagios plugin exit codes. */
const exitStatus: Record<number, CheckStatus> = { 0: 'ok', 1: 'warning', 2: 'critical', 3: 'unknown' };

export const commandCheck: CheckKind<CommandSpec> = {
  schema,
  series: ['command_exit_code', 'command_output_bytes', 'command_perfdata'],
  target: (spec) => (typeof spec.run === 'string' ? spec.run : spec.run.join(' ')),
  async run(spec, ctx) {
    const started = performance.now();
    if (ctx.signal.aborted) return { status: 'critical', message: `timed out after ${ctx.timeoutMs}ms` };
    const ended = await execute(spec, ctx.signal);
    const durationMs = performance.now() - started;
    const outputSamples: Sample[] = [
      { name: 'command_output_bytes', labels: { stream: 'stdout' }, value: ended.stdoutBytes },
      { name: 'command_output_bytes', labels: { stream: 'stderr' }, value: ended.stderrBytes },
    ];
    if (ended.kind === 'spawn-failed') {
      return {
        status: 'unknown',
        message: `cannot run ${commandCheck.target(spec)}: ${describe(ended.error)}`,
        durationMs,
      };
    }
    if (ended.kind === 'timed-out') {
      return {
        status: 'critical',
        message: `timed out after ${ctx.timeoutMs}ms`,
        durationMs,
        samples: outputSamples,
      };
    }
    return judge(ended, durationMs, outputSamples);
  },
};

interface Exited {
  kind: 'exited' | 'timed-out';
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: number;
  stderrBytes: number;
}

type Ended = Exited | { kind: 'spawn-failed'; error: unknown; stdoutBytes: 0; stderrBytes: 0 };

function judge(ended: Exited, durationMs: number, samples: Sample[]): KindOutcome {
  const { text, perfdata } = splitOutput(ended.stdout);
  const firstLine = text || firstNonEmptyLine(ended.stderr);
  samples.push(...parsePerfdata(perfdata));
  if (ended.code === null) {
    const message = `killed by ${ended.signal ?? 'a signal'}${firstLine ? `: ${firstLine}` : ''}`;
    return { status: 'unknown', message, durationMs, samples };
  }
  samples.push({ name: 'command_exit_code', value: ended.code });
  const status = exitStatus[ended.code];
  if (status === undefined) {
    const message = `exit code ${ended.code}, not a plugin status (0-3)${firstLine ? `: ${firstLine}` : ''}`;
    return { status: 'unknown', message, durationMs, samples };
  }
  return { status, message: firstLine || `exit code ${ended.code}`, durationMs, samples };
}

/**
 * A plugin's first line is `text|perfdata`; later lines are long text, and
 * after a `|` on one of them comes more perfdata, possibly over several lines.
 */
function splitOutput(stdout: string): { text: string; perfdata: string } {
  const [first = '', ...rest] = stdout.split('\n');
  const bar = first.indexOf('|');
  const text = (bar < 0 ? first : first.slice(0, bar)).trim();
  const perf = [bar < 0 ? '' : first.slice(bar + 1)];
  const long = rest.join('\n');
  const longBar = long.indexOf('|');
  if (longBar >= 0) perf.push(long.slice(longBar + 1));
  return { text, perfdata: perf.join(' ') };
}

function firstNonEmptyLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? ''
  );
}

function execute(spec: CommandSpec, signal: AbortSignal): Promise<Ended> {
  return new Promise((resolve) => {
    const [file, ...args] = typeof spec.run === 'string' ? ['/bin/sh', '-c', spec.run] : spec.run;
    const stdout = capture();
    const stderr = capture();
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    let proc: ChildProcess;
    try {
      proc = spawn(file!, args, {
        cwd: spec.cwd,
        env: spec.env ? { ...process.env, ...spec.env } : process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so a timeout can kill what it started too.
        detached: true,
      });
    } catch (error) {
      resolve({ kind: 'spawn-failed', error, stdoutBytes: 0, stderrBytes: 0 });
      return;
    }

    /** false once no process of the group is left */
    const killGroup = (sig: NodeJS.Signals | 0): boolean => {
      if (proc.pid === undefined) return false;
      try {
        process.kill(-proc.pid, sig);
        return true;
      } catch {
        // ESRCH: the whole group is already gone.
        return false;
      }
    };
    const onAbort = () => {
      timedOut = true;
      killGroup('SIGTERM');
      // A grace before SIGKILL, not scheduled work.
      killTimer = setTimeout(() => killGroup('SIGKILL'), killGraceMs);
      killTimer.unref();
    };

    const settle = (value: Ended) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      clearTimeout(drainTimer);
      // After a timeout the kill timer stays armed while the group lives: a
      // member that ignores SIGTERM still gets SIGKILL, verdict given or not.
      if (!timedOut || !killGroup(0)) clearTimeout(killTimer);
      resolve(value);
    };
    const finished = (code: number | null, sig: NodeJS.Signals | null) =>
      settle({
        kind: timedOut ? 'timed-out' : 'exited',
        code,
        signal: sig,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutBytes: stdout.bytes,
        stderrBytes: stderr.bytes,
      });

    proc.stdout?.on('data', stdout.push);
    proc.stderr?.on('data', stderr.push);
    proc.once('error', (error) => {
      // 'error' after a successful spawn means a failed kill, which onAbort already tolerates.
      if (proc.pid === undefined) settle({ kind: 'spawn-failed', error, stdoutBytes: 0, stderrBytes: 0 });
    });
    proc.once('exit', (code, sig) => {
      // A short drain of the pipes after exit, not scheduled work.
      drainTimer = setTimeout(() => {
        proc.stdout?.destroy();
        proc.stderr?.destroy();
        finished(code, sig);
      }, drainMs);
    });
    proc.once('close', (code, sig) => finished(code, sig));

    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function capture() {
  const chunks: Buffer[] = [];
  let kept = 0;
  const out = {
    bytes: 0,
    push: (chunk: Buffer) => {
      out.bytes += chunk.length;
      if (kept >= maxCaptured) return;
      const part = chunk.subarray(0, maxCaptured - kept);
      chunks.push(part);
      kept += part.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
  return out;
}

const uomFactors: Record<string, number> = {
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  '%': 1,
  c: 1,
  b: 1,
  // Plugins such as check_disk mean binary multiples by KB/MB/GB/TB.
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  tb: 1024 ** 4,
};

/**
 * Nagios perfdata: `'label'=value[UOM];warn;crit;min;max`, space separated;
 * a label with spaces is quoted, a quote inside it doubled. Values are
 * converted to base units (seconds, bytes); thresholds are the plugin's
 * business and are not kept. A value of `U` (undetermined) is skipped.
 */
function parsePerfdata(text: string): Sample[] {
  const samples: Sample[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    let label = '';
    if (text[i] === "'") {
      i++;
      for (; i < text.length; i++) {
        if (text[i] === "'" && text[i + 1] === "'") {
          label += "'";
          i++;
        } else if (text[i] === "'") {
          i++;
          break;
        } else label += text[i];
      }
    } else {
      while (i < text.length && text[i] !== '=' && !/\s/.test(text[i]!)) label += text[i++];
    }
    if (text[i] !== '=') {
      // Not perfdata: skip to the next space and carry on with the rest.
      while (i < text.length && !/\s/.test(text[i]!)) i++;
      continue;
    }
    i++;
    let rest = '';
    while (i < text.length && !/\s/.test(text[i]!)) rest += text[i++];
    const m = /^([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)([a-zA-Z%]*)(?:;|$)/.exec(rest);
    if (!m || label === '') continue;
    const unit = m[2]!;
    const factor = uomFactors[unit] ?? uomFactors[unit.toLowerCase()] ?? 1;
    samples.push({ name: 'command_perfdata', labels: { label }, value: Number(m[1]) * factor });
  }
  return samples;
}

import { spawn } from 'node:child_process';
import type { Clock } from '../core/clock.js';
import { formatDuration } from '../core/duration.js';
import { describe, VigilError } from '../errors.js';
import type { ChangeRecord } from '../store/changes.js';
import { announceChange, type ChangeDeps, getChange } from './records.js';

/** Runs one shell command, streaming its output a line at a time; resolves to its exit code. */
export type RunCommand = (
  command: string,
  opts: { timeoutMs: number; onLine(stream: 'stdout' | 'stderr', line: string): void },
) => Promise<{ code: number | null; timedOut: boolean }>;

/** `sh -c`, killed (with its process group) when the rollback's time budget runs out. */
export const shellCommand: RunCommand = (command, { timeoutMs, onLine }) =>
  new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let timedOut = false;
    // The deadline of one rollback step's command, not scheduled work.
    const timer = setTimeout(
      () => {
        timedOut = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {}
      },
      Math.max(1, timeoutMs),
    );
    for (const stream of ['stdout', 'stderr'] as const) {
      let rest = '';
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop()!;
        for (const l of lines) onLine(stream, l);
      });
      child[stream].on('end', () => {
        if (rest) onLine(stream, rest);
      });
    }
    child.on('error', (e) => {
      onLine('stderr', describe(e));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut });
    });
  });

export interface RollbackOutcome {
  change: ChangeRecord;
  ok: boolean;
  steps: { command: string; phase: 'step' | 'verify'; code: number | null; timedOut: boolean; ms: number }[];
}

/**
 * `vigil change rollback <id>`: run the plan's steps in order, then its verification commands,
 * within the plan's time budget; the first failure stops the run. The outcome is recorded on
 * the change (rolled-back, or failed) and announced.
 */
export async function runRollback(
  deps: ChangeDeps & { clock: Clock; run?: RunCommand },
  id: number | string,
  by: string,
  onLine: (line: string) => void,
): Promise<RollbackOutcome> {
  const run = deps.run ?? shellCommand;
  const c = await getChange(deps.store, id);
  const plan = c.rollback;
  if (!plan)
    throw new VigilError('ROLLBACK_PLAN_REQUIRED', `change ${c.id} has no rollback plan`, {
      hint: 'roll back by hand, and give the next change a plan (--rollback plan.yaml)',
    });
  if (c.status === 'planned' || c.status === 'rolled-back')
    throw new VigilError('USAGE', `change ${c.id} is ${c.status}: there is nothing to roll back`, {
      hint: c.status === 'planned' ? 'a planned change has not started' : 'it was already rolled back',
    });
  const started = deps.clock.now();
  const deadline = started + plan.budgetMs;
  await deps.store.changes.event(c.id, {
    at: started,
    kind: 'rollback_started',
    text: `rollback to ${plan.target} started by ${by} (budget ${formatDuration(plan.budgetMs)})`,
    actor: by,
  });
  await announceChange(deps, c, { phase: 'rollback' });
  const steps: RollbackOutcome['steps'] = [];
  let ok = true;
  const commands = [
    ...plan.steps.map((command) => ({ command, phase: 'step' as const })),
    ...plan.verify.map((command) => ({ command, phase: 'verify' as const })),
  ];
  for (const { command, phase } of commands) {
    const t0 = deps.clock.now();
    const left = deadline - t0;
    if (left <= 0) {
      ok = false;
      onLine(`! time budget of ${formatDuration(plan.budgetMs)} spent before: ${command}`);
      steps.push({ command, phase, code: null, timedOut: true, ms: 0 });
      break;
    }
    onLine(`$ ${command}`);
    const r = await run(command, { timeoutMs: left, onLine: (_s, line) => onLine(`  ${line}`) });
    const ms = deps.clock.now() - t0;
    steps.push({ command, phase, code: r.code, timedOut: r.timedOut, ms });
    await deps.store.changes.event(c.id, {
      at: deps.clock.now(),
      kind: 'rollback_step',
      text: `${phase === 'verify' ? 'verify' : 'step'} ${r.timedOut ? 'timed out' : `exited ${r.code}`}: ${command}`,
      actor: by,
      data: { command, phase, code: r.code, timedOut: r.timedOut, ms },
    });
    if (r.code !== 0 || r.timedOut) {
      ok = false;
      onLine(r.timedOut ? '! out of time budget' : `! exited ${r.code}`);
      break;
    }
  }
  const now = deps.clock.now();
  await deps.store.changes.transition(
    c.id,
    ['in_progress', 'ok', 'failed'],
    ok ? 'rolled-back' : 'failed',
    now,
    {
      kind: 'rollback_finished',
      text: ok ? `rolled back to ${plan.target}` : 'rollback failed',
      actor: by,
      data: { ok, steps },
    },
  );
  const change = (await deps.store.changes.get(c.id))!;
  await announceChange(deps, change, { phase: 'finished' });
  return { change, ok, steps };
}

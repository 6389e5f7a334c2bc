import path from 'node:path';
import { changeSource } from '../changes/source.js';
import type { LoadedConfig } from '../config/loader.js';
import type { Routine } from '../config/routines.js';
import { nextDue } from '../core/schedule.js';
import { describe, VigilError } from '../errors.js';
import type { StoredRun, StoredStep } from '../store/routines.js';
import type { Store } from '../store/store.js';
import { stepKinds } from './steps/registry.js';
import type { ChangeSource, StepContext } from './steps/types.js';
import { type Report, type ReportStep, type Section, worst } from './types.js';

export interface RoutineDeps {
  store: Store;
  loaded: LoadedConfig;
  changes?: ChangeSource;
}

/** The period a routine's report covers by default: the gap between two of its scheduled runs. */
export function defaultPeriod(routine: Routine, now: number): number {
  if (routine.periodMs) return routine.periodMs;
  const schedule = { type: 'cron' as const, expr: routine.cron, timezone: routine.timezone };
  const a = nextDue(schedule, routine.name, now);
  const b = nextDue(schedule, routine.name, a);
  return Number.isFinite(b - a) ? b - a : 86_400_000;
}

export function findRoutine(loaded: LoadedConfig, name: string): Routine {
  const r = loaded.config.routines.find((x) => x.name === name);
  if (!r)
    throw new VigilError('ROUTINE_NOT_FOUND', `no routine named "${name}"`, {
      hint: `routines in ${loaded.file}: ${loaded.config.routines.map((x) => x.name).join(', ') || 'none (add some under routines:)'}`,
    });
  return r;
}

/** Run every step; a step that throws is `failed` with its message and the others still run. */
async function runSteps(
  deps: RoutineDeps,
  routine: Routine,
  now: number,
  period: { from: number; to: number },
  previous: { at: number; steps: StoredStep[] } | undefined,
  signal: AbortSignal,
): Promise<StoredStep[]> {
  const out: StoredStep[] = [];
  for (const [idx, step] of routine.steps.entries()) {
    const kind = stepKinds[step.kind];
    const prev = previous?.steps.find((s) => s.name === step.name);
    const ctx: StepContext = {
      store: deps.store,
      config: deps.loaded.config,
      baseDir: path.dirname(path.resolve(deps.loaded.file)),
      now,
      period,
      ...(previous ? { previous: { at: previous.at, section: prev?.section as Section | undefined } } : {}),
      signal,
      // the store's change records unless the caller brings its own
      changes: deps.changes ?? changeSource(deps.store),
    };
    let section: Section;
    try {
      section = await kind.run(step.spec as never, ctx);
    } catch (e) {
      section = {
        status: 'failed',
        reason: describe(e),
        summary: `the step failed: ${describe(e)}`,
        findings: [],
      };
    }
    const title = (() => {
      const given = step.name !== step.kind && !step.name.startsWith(`${step.kind}-`);
      try {
        const t = kind.title(step.spec as never);
        // A command's own words say less than the name it was given ("vulnerability-scan").
        if (!given || step.kind !== 'command') return t;
        const cmd = t.replace(/^Command: /, '');
        return cmd.length <= 60 && !cmd.includes('\n') ? `${step.name} (${cmd})` : step.name;
      } catch {
        return step.name;
      }
    })();
    out.push({
      idx,
      name: step.name,
      kind: step.kind,
      status: section.status,
      section: { ...section, title },
      dueAt: step.kind === 'manual' && step.dueMs !== undefined ? now + step.dueMs : null,
      signedBy: null,
      signedAt: null,
      note: null,
    });
  }
  return out;
}

async function lateSteps(store: Store, routine: string, now: number, previousId: string | undefined) {
  return (await store.routines.overdue(now))
    .filter((s) => (s.runStatus === 'open' && s.routine === routine) || s.runId === previousId)
    .map((s) => ({ runId: s.runId, routine: s.routine, step: s.name, dueAt: s.dueAt! }));
}

/**
 * A scheduled (or `vigil routine run`) run: steps run, then the run and all
 * its findings are written in one transaction. Earlier runs of the routine
 * still waiting for sign-off are closed (their unsigned steps show as late).
 * A run with manual steps stays open until each is signed off.
 */
export async function runRoutine(
  deps: RoutineDeps,
  routine: Routine,
  opts: { now: number; scheduledAt?: number; since?: number; signal?: AbortSignal },
): Promise<{ run: StoredRun; created: boolean }> {
  const { store } = deps;
  const now = opts.now;
  const at = Math.floor((opts.scheduledAt ?? now) / 1000) * 1000;
  const id = `${routine.name}@${new Date(at).toISOString().replace(/\.000Z$/, 'Z')}`;
  const existing = await store.routines.getRun(id);
  if (existing) return { run: existing.run, created: false };
  const [prevRun] = await store.routines.listRuns({ routine: routine.name, limit: 1 });
  const prev = prevRun ? await store.routines.getRun(prevRun.id) : undefined;
  const from = opts.since ?? now - defaultPeriod(routine, now);
  const steps = await runSteps(
    deps,
    routine,
    now,
    { from, to: now },
    prev ? { at: prev.run.startedAt, steps: prev.steps } : undefined,
    opts.signal ?? new AbortController().signal,
  );
  const open = steps.some((s) => s.status === 'pending');
  const run: StoredRun = {
    id,
    routine: routine.name,
    startedAt: now,
    periodFrom: from,
    periodTo: now,
    status: open ? 'open' : 'done',
    endedAt: open ? null : now,
    deliveredAt: null,
  };
  for (const r of await store.routines.listRuns({ routine: routine.name, status: 'open', limit: 100 }))
    await store.routines.close(r.id, now);
  const created = await store.routines.insertRun(run, steps);
  return { run, created };
}

/** The report of a stored run, with manual steps of earlier runs left unsigned past their due. */
export async function reportOf(store: Store, runId: string, now: number, link?: string): Promise<Report> {
  const got = await store.routines.getRun(runId);
  if (!got) throw runNotFound(runId);
  const { run, steps } = got;
  const earlier = (await store.routines.listRuns({ routine: run.routine, limit: 100 })).find(
    (r) => r.startedAt < run.startedAt,
  );
  const late = (await lateSteps(store, run.routine, run.startedAt, earlier?.id)).filter(
    (l) => l.runId !== run.id,
  );
  return assemble({
    routine: run.routine,
    runId: run.id,
    generatedAt: now,
    period: { from: run.periodFrom, to: run.periodTo },
    status: run.status,
    steps,
    late,
    now,
    ...(link ? { link } : {}),
  });
}

/** `vigil report <routine>`: the same report, built now and stored nowhere. */
export async function reportOnDemand(
  deps: RoutineDeps,
  routine: Routine,
  opts: { now: number; since?: number },
): Promise<Report> {
  const now = opts.now;
  const from = opts.since ?? now - defaultPeriod(routine, now);
  const [prevRun] = await deps.store.routines.listRuns({ routine: routine.name, limit: 1 });
  const prev = prevRun ? await deps.store.routines.getRun(prevRun.id) : undefined;
  const steps = await runSteps(
    deps,
    routine,
    now,
    { from, to: now },
    // On demand the window is what was asked for: "since the last run" only when no --since.
    prev && opts.since === undefined
      ? { at: Math.max(prev.run.startedAt, from), steps: prev.steps }
      : undefined,
    new AbortController().signal,
  );
  return assemble({
    routine: routine.name,
    generatedAt: now,
    period: { from, to: now },
    status: 'on-demand',
    // No run holds these manual steps: nothing is due.
    steps: steps.map((s) => ({ ...s, dueAt: null })),
    late: await lateSteps(deps.store, routine.name, now, prevRun?.id),
    now,
  });
}

function assemble(r: Omit<Report, 'steps' | 'overall'> & { steps: StoredStep[]; now: number }): Report {
  const steps: ReportStep[] = r.steps.map((s) => {
    const section = s.section as Section & { title?: string };
    return {
      ...section,
      status: s.status,
      name: s.name,
      kind: s.kind,
      title: section.title ?? s.name,
      dueAt: s.dueAt,
      signedBy: s.signedBy,
      signedAt: s.signedAt,
      note: s.note,
      late: s.dueAt !== null && (s.signedAt ?? r.now) > s.dueAt,
    };
  });
  const { now: _now, ...rest } = r;
  return { ...rest, steps, overall: worst(steps.map((s) => s.status)) };
}

export function runNotFound(id: string): VigilError {
  return new VigilError('ROUTINE_RUN_NOT_FOUND', `no routine run "${id}"`, {
    hint: 'list runs with `vigil routine runs`',
  });
}

/**
 * Sign off a manual step of an open run (by name or 1-based number). The last
 * sign-off closes the run, which is then delivered.
 */
export async function signOff(
  store: Store,
  runId: string,
  step: string,
  s: { by: string; note: string | null; at: number },
): Promise<{ run: StoredRun; step: StoredStep; closed: boolean }> {
  const got = await store.routines.getRun(runId);
  if (!got) throw runNotFound(runId);
  const target =
    got.steps.find((x) => x.name === step) ?? (/^\d+$/.test(step) ? got.steps[Number(step) - 1] : undefined);
  if (!target)
    throw new VigilError('ROUTINE_STEP_NOT_FOUND', `run ${runId} has no step "${step}"`, {
      hint: `steps: ${got.steps.map((x) => x.name).join(', ')}`,
    });
  if (target.kind !== 'manual')
    throw new VigilError(
      'ROUTINE_SIGNOFF_REFUSED',
      `step "${target.name}" is automated (${target.kind}); only manual steps are signed off`,
      {
        hint: `manual steps of this run: ${
          got.steps
            .filter((x) => x.kind === 'manual')
            .map((x) => x.name)
            .join(', ') || 'none'
        }`,
      },
    );
  if (got.run.status !== 'open')
    throw new VigilError(
      'ROUTINE_SIGNOFF_REFUSED',
      `run ${runId} is finished; its steps can no longer be signed off`,
      {
        hint: 'sign off the newest run: `vigil routine runs --open`',
      },
    );
  if (target.status !== 'pending')
    throw new VigilError(
      'ROUTINE_SIGNOFF_REFUSED',
      `step "${target.name}" was signed off by ${target.signedBy} at ${new Date(target.signedAt ?? 0).toISOString()}`,
      {
        hint: 'a sign-off is recorded once',
      },
    );
  const r = await store.routines.signOff(runId, target.idx, { ...s, status: 'ok' });
  if (!r.signed)
    throw new VigilError(
      'ROUTINE_SIGNOFF_REFUSED',
      `step "${target.name}" of run ${runId} is no longer waiting`,
      {
        hint: 'someone signed it off or the run was closed meanwhile: `vigil routine show ' + runId + '`',
      },
    );
  const after = (await store.routines.getRun(runId))!;
  return { run: after.run, step: after.steps[target.idx]!, closed: r.closed };
}

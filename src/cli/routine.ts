import { can } from '../auth/roles.js';
import { authenticateToken } from '../auth/tokens.js';
import { loadConfig } from '../config/loader.js';
import { VigilError } from '../errors.js';
import { renderReport } from '../routines/reports/render.js';
import { statusWord } from '../routines/reports/words.js';
import { findRoutine, reportOf, runNotFound, runRoutine, signOff } from '../routines/runner.js';
import { openStore, type Store } from '../store/store.js';
import { configPath } from './config-path.js';
import { type Io, paint, table } from './output.js';
import { formatOf } from './report.js';
import { actor, isoTime, withStore } from './with-store.js';

const paintStep: Record<string, string> = {
  ok: 'ok',
  attention: 'warning',
  failed: 'critical',
  pending: 'pending',
  skipped: 'unknown',
};

/**
 * With VIGIL_TOKEN set, a sign-off is made as that token and needs its
 * 'operate' right, as through the API; without it, as the login user.
 */
async function tokenPrincipal(store: Store, io: Io): Promise<string | undefined> {
  const token = io.env.VIGIL_TOKEN;
  if (!token) return undefined;
  const p = await authenticateToken(store, token);
  if (!p)
    throw new VigilError('UNAUTHENTICATED', 'VIGIL_TOKEN is not a valid API token', {
      hint: 'it may be revoked or expired: create one with `vigil token create`',
    });
  if (!can(p.role, 'operate'))
    throw new VigilError('FORBIDDEN', `${p.name} (${p.role}) may not sign off routine steps`, {
      hint: "signing off needs the 'operate' right: an operator or admin token",
    });
  return p.name;
}

/** A run id, or a routine's name for its newest run. */
async function resolveRun(store: Store, ref: string): Promise<string> {
  if (await store.routines.getRun(ref)) return ref;
  const [newest] = await store.routines.listRuns({ routine: ref, limit: 1 });
  if (newest) return newest.id;
  throw runNotFound(ref);
}

export async function routineRunCommand(
  io: Io,
  name: string,
  opts: { config?: string; format?: string; json?: boolean },
) {
  const loaded = loadConfig(configPath(io, opts.config), io.env);
  const routine = findRoutine(loaded, name);
  const store = await openStore(loaded.config.storage);
  try {
    const { run } = await runRoutine({ store, loaded }, routine, { now: Date.now() });
    const report = await reportOf(store, run.id, Date.now());
    io.out(renderReport(report, opts.json ? 'json' : formatOf(opts.format, 'markdown')));
    if (!opts.json && run.status === 'open')
      io.err(`run ${run.id} waits for sign-off: vigil routine signoff ${run.id} <step> --note "…"`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function routineRunsCommand(
  io: Io,
  opts: { config?: string; routine?: string; open?: boolean; limit?: string; json?: boolean },
) {
  return withStore(io, opts.config, async (store) => {
    const runs = await store.routines.listRuns({
      ...(opts.routine ? { routine: opts.routine } : {}),
      ...(opts.open ? { status: 'open' as const } : {}),
      limit: Math.min(Math.max(Number(opts.limit ?? 20) || 20, 1), 1000),
    });
    const rows = [];
    for (const r of runs) {
      const steps = (await store.routines.getRun(r.id))!.steps;
      rows.push({
        ...r,
        waiting: steps.filter((s) => s.status === 'pending').map((s) => s.name),
        attention: steps.filter((s) => s.status === 'attention' || s.status === 'failed').length,
      });
    }
    if (opts.json) {
      io.out(JSON.stringify(rows, null, 2));
      return 0;
    }
    if (!rows.length) {
      io.out('no routine runs yet');
      return 0;
    }
    io.out(
      table([
        ['RUN', 'STATUS', 'STARTED', 'ATTENTION', 'WAITING FOR SIGN-OFF'],
        ...rows.map((r) => [
          r.id,
          paint(io, r.status === 'open' ? 'pending' : 'ok', r.status),
          isoTime(r.startedAt),
          String(r.attention),
          r.waiting.join(', ') || '-',
        ]),
      ]),
    );
    return 0;
  });
}

export async function routineShowCommand(
  io: Io,
  ref: string,
  opts: { config?: string; format?: string; json?: boolean },
) {
  return withStore(io, opts.config, async (store) => {
    const id = await resolveRun(store, ref);
    const report = await reportOf(store, id, Date.now());
    if (opts.json || opts.format) {
      io.out(renderReport(report, opts.json ? 'json' : formatOf(opts.format, 'markdown')));
      return 0;
    }
    io.out(
      `${report.runId} · ${report.status} · ${isoTime(report.period.from)} – ${isoTime(report.period.to)}\n`,
    );
    io.out(
      table([
        ['#', 'STEP', 'STATUS', 'SUMMARY'],
        ...report.steps.map((s, i) => [
          String(i + 1),
          s.name,
          paint(io, paintStep[s.status] ?? 'unknown', statusWord[s.status]),
          s.kind === 'manual' && s.signedBy
            ? `${s.summary} — signed off by ${s.signedBy}${s.late ? ' (late)' : ''}`
            : s.summary,
        ]),
      ]),
    );
    return 0;
  });
}

export async function routineSignoffCommand(
  io: Io,
  ref: string,
  step: string,
  opts: { config?: string; note?: string; by?: string; json?: boolean },
) {
  const loaded = loadConfig(configPath(io, opts.config), io.env);
  const store = await openStore(loaded.config.storage);
  try {
    const id = await resolveRun(store, ref);
    const by = (await tokenPrincipal(store, io)) ?? (actor(io, opts.by) || 'cli');
    const r = await signOff(store, id, step, { by, note: opts.note ?? null, at: Date.now() });
    if (opts.json) {
      io.out(JSON.stringify(r, null, 2));
      return 0;
    }
    io.out(
      `step ${r.step.name} of ${id} signed off by ${by}${r.closed ? '; the run is complete and its report will be delivered' : ''}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

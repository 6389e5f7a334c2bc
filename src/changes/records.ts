import type { VigilConfig } from '../config/schema.js';
import { parseDuration } from '../core/duration.js';
import { decide } from '../core/windows.js';
import { VigilError } from '../errors.js';
import type { ChangeRecord, ChangeStatus, RollbackPlan } from '../store/changes.js';
import type { Store } from '../store/store.js';
import { type Announce, type ChangePhase, changeAnnouncement } from './announce.js';
import { changesOf, knownServices } from './compiled.js';

/** What the CLI and the API do with change records: one place, one set of rules. */

export interface ChangeDeps {
  store: Store;
  config: VigilConfig;
  /** absent: nothing is announced (no channels, or a face without an outbox) */
  announce?: Announce;
}

const usage = (message: string, hint: string) => new VigilError('USAGE', message, { hint });

/**
 * A rollback plan from YAML/JSON (`--rollback plan.yaml`, or the API's `rollback` field):
 * `{ target, steps[], data, verify[], owner, budget, tested? }`, every part checked.
 */
export function parseRollbackPlan(input: unknown): RollbackPlan {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw usage('a rollback plan is an object', 'target, steps, data, verify, owner, budget (and tested)');
  const o = input as Record<string, unknown>;
  const known = ['target', 'steps', 'data', 'verify', 'owner', 'budget', 'tested'];
  const extra = Object.keys(o).filter((k) => !known.includes(k));
  if (extra.length) throw usage(`unknown rollback plan field ${extra[0]}`, `fields: ${known.join(', ')}`);
  const text = (k: string, hint: string) => {
    const v = o[k];
    if (typeof v !== 'string' || !v.trim()) throw usage(`the rollback plan needs ${k}`, hint);
    return v.trim();
  };
  const commands = (k: string, hint: string) => {
    const v = o[k];
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || !list.length || list.some((s) => typeof s !== 'string' || !s.trim()))
      throw usage(`the rollback plan needs ${k}: a list of commands`, hint);
    return (list as string[]).map((s) => s.trim());
  };
  const target = text('target', 'the version or revision to return to, e.g. v1.4.2');
  const steps = commands('steps', 'e.g. steps: ["./deploy.sh v1.4.2"]');
  const data = text('data', 'what happens to data written since: "no schema change" or the down migration');
  const verify = commands(
    'verify',
    'commands that exit 0 when the old version serves, e.g. curl -fsS …/health',
  );
  const owner = text('owner', 'who runs the rollback');
  const budgetText =
    typeof o.budget === 'number' ? `${o.budget}m` : text('budget', 'how long it may take, e.g. 15m');
  const budgetMs = parseDuration(budgetText);
  if (!budgetMs) throw usage(`rollback budget ${budgetText} is not a duration`, 'e.g. 15m or 1h');
  return {
    target,
    steps,
    data,
    verify,
    owner,
    budgetMs,
    ...(typeof o.tested === 'string' && o.tested.trim() ? { tested: o.tested.trim() } : {}),
  };
}

export function checkService(config: VigilConfig, service: string | undefined): void {
  if (service === undefined) return;
  const known = knownServices(config);
  if (known.size && !known.has(service))
    throw new VigilError('SERVICE_NOT_FOUND', `unknown service "${service}"`, {
      hint: `services: ${[...known].sort().join(', ')} (from changes.services or the checks' service labels)`,
    });
}

export async function getChange(store: Store, id: number | string): Promise<ChangeRecord> {
  const n = typeof id === 'number' ? id : Number(id);
  const c = Number.isSafeInteger(n) ? await store.changes.get(n) : undefined;
  if (!c)
    throw new VigilError('CHANGE_NOT_FOUND', `no change ${id}`, { hint: 'list them with vigil change list' });
  return c;
}

async function announce(deps: ChangeDeps, c: ChangeRecord, p: ChangePhase): Promise<void> {
  const channels = deps.config.changes.announce;
  // the status page's subscribers may hear of it with no team channel named
  if (!deps.announce || (!channels.length && !deps.config.status_page.subscribers.changes)) return;
  await deps.announce(changeAnnouncement(c, p, channels, deps.config.changes.timezone));
}

export interface PlanInput {
  title: string;
  service: string;
  environment?: string;
  version?: string;
  at: number;
  /** the allow window the change must fall in; checked against the windows engine */
  window?: string;
  rollback?: unknown;
  createdBy: string;
}

/** `vigil change plan`: a planned change, its rollback plan checked, announced to the channels. */
export async function planChange(deps: ChangeDeps, input: PlanInput, now: number): Promise<ChangeRecord> {
  const { config } = deps;
  if (!input.title?.trim()) throw usage('a change needs a title', 'pass --title "…"');
  if (!input.service?.trim()) throw usage('a change needs a service', 'pass --service <name>');
  checkService(config, input.service);
  if (!Number.isFinite(input.at))
    throw usage('a change needs a start time', 'pass --at 2026-12-01T22:00:00Z');
  if (!input.createdBy.trim()) throw usage('a change needs an author', 'pass --author (or set createdBy)');
  const rollback =
    input.rollback === undefined || input.rollback === null ? null : parseRollbackPlan(input.rollback);
  if (!rollback && config.changes.require.rollback_plan)
    throw new VigilError(
      'ROLLBACK_PLAN_REQUIRED',
      'this change has no rollback plan, and changes.require.rollback_plan is on',
      {
        hint: 'pass --rollback plan.yaml with target, steps, data, verify, owner, budget',
      },
    );
  if (input.window !== undefined) {
    const compiled = changesOf(config);
    const w = compiled.windows.find((x) => x.name === input.window);
    if (w?.kind !== 'allow')
      throw usage(
        `no allow window named "${input.window}"`,
        `allow windows: ${
          compiled.windows
            .filter((x) => x.kind === 'allow')
            .map((x) => x.name)
            .join(', ') || 'none'
        }`,
      );
    const d = decide(input.at, [w], [], { service: input.service, environment: input.environment });
    if (!d.allowed)
      throw usage(
        `${new Date(input.at).toISOString()} is outside window "${input.window}"`,
        d.nextOpenAt === null
          ? 'this window never opens for this service'
          : `it next opens at ${new Date(d.nextOpenAt).toISOString()}`,
      );
  }
  const c = await deps.store.changes.create({
    title: input.title.trim(),
    service: input.service.trim(),
    environment: input.environment?.trim() || null,
    version: input.version?.trim() || null,
    plannedAt: input.at,
    window: input.window ?? null,
    rollback,
    createdBy: input.createdBy.trim(),
    createdAt: now,
  });
  await announce(deps, c, { phase: 'planned' });
  return c;
}

export async function startChange(deps: ChangeDeps, id: number | string, by: string, now: number) {
  const c = await getChange(deps.store, id);
  if (
    !(await deps.store.changes.transition(c.id, ['planned'], 'in_progress', now, {
      kind: 'started',
      text: `started by ${by}`,
      actor: by,
    }))
  )
    throw usage(`change ${c.id} is ${c.status}, not planned`, 'only a planned change can start');
  const started = (await deps.store.changes.get(c.id))!;
  await announce(deps, started, { phase: 'started' });
  return started;
}

export const finishStatuses = ['ok', 'failed', 'rolled-back'] as const;

export async function finishChange(
  deps: ChangeDeps,
  id: number | string,
  status: string,
  by: string,
  now: number,
  note?: string,
) {
  if (!(finishStatuses as readonly string[]).includes(status))
    throw usage(`--status ${status}: not a finish status`, `one of ${finishStatuses.join(', ')}`);
  const c = await getChange(deps.store, id);
  const from: ChangeStatus[] = ['in_progress'];
  const ok = await deps.store.changes.transition(c.id, from, status as ChangeStatus, now, {
    kind: 'finished',
    text: `${status} (by ${by})${note ? `: ${note}` : ''}`,
    actor: by,
  });
  if (!ok)
    throw usage(
      `change ${c.id} is ${c.status}, not in progress`,
      'start it first: vigil change start ' + c.id,
    );
  const done = (await deps.store.changes.get(c.id))!;
  await announce(deps, done, { phase: 'finished' });
  return done;
}

export { announce as announceChange };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The JSON shape of a change (CLI --json and the API): times as ISO 8601. */
export function changeView(c: ChangeRecord) {
  return {
    id: c.id,
    title: c.title,
    service: c.service,
    environment: c.environment,
    version: c.version,
    status: c.status,
    planned_at: iso(c.plannedAt),
    started_at: iso(c.startedAt),
    finished_at: iso(c.finishedAt),
    window: c.window,
    rollback: c.rollback && {
      target: c.rollback.target,
      steps: c.rollback.steps,
      data: c.rollback.data,
      verify: c.rollback.verify,
      owner: c.rollback.owner,
      budget_ms: c.rollback.budgetMs,
      tested: c.rollback.tested ?? null,
    },
    created_by: c.createdBy,
    created_at: iso(c.createdAt),
  };
}

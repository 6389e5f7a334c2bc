import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { can } from '../auth/roles.js';
import { authenticateToken } from '../auth/tokens.js';
import { type GateDecision, gate } from '../changes/gate.js';
import { outboxAnnouncer } from '../changes/outbox.js';
import { changeView, finishChange, getChange, planChange, startChange } from '../changes/records.js';
import { runRollback } from '../changes/rollback.js';
import { type LoadedConfig, loadConfig } from '../config/loader.js';
import { systemClock } from '../core/clock.js';
import { formatDuration } from '../core/duration.js';
import { offsetAt, zonedTime } from '../core/windows.js';
import { VigilError } from '../errors.js';
import type { ChangeRecord, ChangeStatus } from '../store/changes.js';
import { openStore, type Store } from '../store/store.js';
import { configPath } from './config-path.js';
import { type Io, paint, table } from './output.js';
import { actor, isoTime } from './with-store.js';

type Common = { config?: string; json?: boolean };

async function withChanges<T>(
  io: Io,
  file: string | undefined,
  fn: (store: Store, loaded: LoadedConfig) => Promise<T>,
): Promise<T> {
  const loaded = loadConfig(configPath(io, file), io.env);
  const store = await openStore(loaded.config.storage);
  try {
    return await fn(store, loaded);
  } finally {
    await store.close();
  }
}

const deps = (store: Store, loaded: LoadedConfig) => ({
  store,
  config: loaded.config,
  announce: outboxAnnouncer(store, loaded.config, () => Date.now()),
});

/**
 * A time from the command line: `now`, an ISO 8601 instant (Z or an offset), or a wall-clock
 * time without a zone, which is in `changes.timezone` (people plan in their own zone).
 */
function time(text: string | undefined, flag: string, zone = 'UTC'): number | undefined {
  if (text === undefined) return undefined;
  if (text === 'now') return Date.now();
  const wall = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(
    text.trim(),
  );
  if (wall) {
    const [, y, mo, d, h = '0', mi = '0', sec = '0', ms = '0'] = wall;
    return (
      zonedTime(zone, Number(y), Number(mo), Number(d), Number(h), Number(mi)) +
      Number(sec) * 1000 +
      Number(ms.padEnd(3, '0'))
    );
  }
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new VigilError('USAGE', `${flag} ${text}: not a time`, {
      hint: `ISO 8601, e.g. 2026-12-01T22:00 (in ${zone}) or 2026-12-01T21:00:00Z`,
    });
  return t;
}

/** 2026-12-02T22:30:00+01:00: an instant as people in `zone` read it, with its offset. */
export function zonedIso(t: number, zone: string): string {
  const off = offsetAt(zone, t);
  const local = new Date(t + off).toISOString().slice(0, 19);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off) / 60_000;
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function readPlan(io: Io, file: string): unknown {
  const full = path.resolve(io.cwd, file);
  let raw: string;
  try {
    raw = readFileSync(full, 'utf8');
  } catch (e) {
    throw new VigilError('USAGE', `cannot read the rollback plan ${file}: ${(e as Error).message}`, {
      hint: 'a YAML or JSON file with target, steps, data, verify, owner, budget',
    });
  }
  try {
    return parseYaml(raw);
  } catch (e) {
    throw new VigilError('USAGE', `${file}: ${(e as Error).message.split('\n')[0]}`, {
      hint: 'the rollback plan is YAML or JSON',
    });
  }
}

function printChange(io: Io, c: ChangeRecord, zone?: string): void {
  io.out(`change #${c.id} ${c.status}: ${c.title}`);
  io.out(
    `  service   ${c.service}${c.environment ? ` (${c.environment})` : ''}${c.version ? ` ${c.version}` : ''}`,
  );
  const local = zone && zone !== 'UTC' ? ` (${zonedIso(c.plannedAt, zone)} ${zone})` : '';
  io.out(
    `  planned   ${isoTime(c.plannedAt)}${local}${c.window ? ` in window ${c.window}` : ''} by ${c.createdBy}`,
  );
  if (c.startedAt !== null) io.out(`  started   ${isoTime(c.startedAt)}`);
  if (c.finishedAt !== null) io.out(`  finished  ${isoTime(c.finishedAt)}`);
  const r = c.rollback;
  if (!r) io.out('  rollback  none');
  else {
    io.out(
      `  rollback  to ${r.target}, owner ${r.owner}, budget ${formatDuration(r.budgetMs)}${r.tested ? `, tested: ${r.tested}` : ', not rehearsed'}`,
    );
    io.out(`  data      ${r.data}`);
    for (const s of r.steps) io.out(`  step      ${s}`);
    for (const v of r.verify) io.out(`  verify    ${v}`);
  }
}

export async function changePlanCommand(
  io: Io,
  opts: Common & {
    title?: string;
    service?: string;
    environment?: string;
    release?: string;
    at?: string;
    window?: string;
    rollback?: string;
    author?: string;
  },
): Promise<number> {
  const rollback = opts.rollback === undefined ? undefined : readPlan(io, opts.rollback);
  return withChanges(io, opts.config, async (store, loaded) => {
    const c = await planChange(
      deps(store, loaded),
      {
        title: opts.title ?? '',
        service: opts.service ?? '',
        environment: opts.environment,
        version: opts.release,
        at: time(opts.at ?? 'now', '--at', loaded.config.changes.timezone)!,
        window: opts.window,
        rollback,
        createdBy: actor(io, opts.author),
      },
      Date.now(),
    );
    if (opts.json) io.out(JSON.stringify(changeView(c), null, 2));
    else printChange(io, c, loaded.config.changes.timezone);
    return 0;
  });
}

export async function changeStartCommand(io: Io, id: string, opts: Common & { by?: string }) {
  return withChanges(io, opts.config, async (store, loaded) => {
    const c = await startChange(deps(store, loaded), id, actor(io, opts.by), Date.now());
    io.out(
      opts.json
        ? JSON.stringify(changeView(c), null, 2)
        : `change #${c.id} started at ${isoTime(c.startedAt)}`,
    );
    return 0;
  });
}

export async function changeFinishCommand(
  io: Io,
  id: string,
  opts: Common & { by?: string; status?: string; note?: string },
) {
  return withChanges(io, opts.config, async (store, loaded) => {
    const c = await finishChange(
      deps(store, loaded),
      id,
      opts.status ?? 'ok',
      actor(io, opts.by),
      Date.now(),
      opts.note,
    );
    io.out(
      opts.json
        ? JSON.stringify(changeView(c), null, 2)
        : `change #${c.id} ${c.status} at ${isoTime(c.finishedAt)}`,
    );
    return 0;
  });
}

/** Runs the plan's steps with their output shown as it comes; exit 1 when the rollback failed. */
export async function changeRollbackCommand(io: Io, id: string, opts: Common & { by?: string }) {
  return withChanges(io, opts.config, async (store, loaded) => {
    const outcome = await runRollback(
      { ...deps(store, loaded), clock: systemClock },
      id,
      actor(io, opts.by),
      opts.json ? () => {} : (line) => io.out(line),
    );
    if (opts.json)
      io.out(
        JSON.stringify({ ok: outcome.ok, change: changeView(outcome.change), steps: outcome.steps }, null, 2),
      );
    else
      io.out(
        outcome.ok
          ? `change #${outcome.change.id} rolled back`
          : `change #${outcome.change.id}: rollback failed`,
      );
    return outcome.ok ? 0 : 1;
  });
}

export async function changeListCommand(
  io: Io,
  opts: Common & { service?: string; from?: string; to?: string; status?: string },
) {
  return withChanges(io, opts.config, async (store) => {
    const list = await store.changes.list({
      from: time(opts.from, '--from'),
      to: time(opts.to, '--to'),
      service: opts.service,
      status: opts.status?.split(',') as ChangeStatus[] | undefined,
    });
    if (opts.json) io.out(JSON.stringify({ changes: list.map(changeView) }, null, 2));
    else if (!list.length) io.out('no changes');
    else
      io.out(
        table([
          ['ID', 'STATUS', 'PLANNED', 'SERVICE', 'VERSION', 'ROLLBACK', 'TITLE'],
          ...list.map((c) => [
            String(c.id),
            c.status,
            isoTime(c.plannedAt),
            c.service,
            c.version ?? '-',
            c.rollback ? c.rollback.target : 'none',
            c.title,
          ]),
        ]),
      );
    return 0;
  });
}

export async function changeShowCommand(io: Io, id: string, opts: Common) {
  return withChanges(io, opts.config, async (store) => {
    const c = await getChange(store, id);
    const timeline = await store.changes.timeline(c.id);
    if (opts.json)
      io.out(
        JSON.stringify(
          { ...changeView(c), timeline: timeline.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) },
          null,
          2,
        ),
      );
    else {
      printChange(io, c);
      for (const e of timeline) io.out(`  ${isoTime(e.at)}  ${e.kind.padEnd(17)} ${e.text}`);
    }
    return 0;
  });
}

/**
 * `vigil change gate`: may this change go out now? Exit 0 allowed, 1 denied, 2 bad input.
 * `--override --reason` needs a token with the change.override right in $VIGIL_TOKEN.
 */
export async function changeGateCommand(
  io: Io,
  opts: Common & {
    service?: string;
    environment?: string;
    change?: string;
    at?: string;
    override?: boolean;
    reason?: string;
  },
): Promise<number> {
  if (opts.reason !== undefined && !opts.override)
    throw new VigilError('USAGE', '--reason is for --override', { hint: 'add --override, or drop --reason' });
  return withChanges(io, opts.config, async (store, loaded) => {
    const now = Date.now();
    let override: { reason: string; by: string; via: string } | undefined;
    if (opts.override) {
      if (!opts.reason?.trim())
        throw new VigilError('USAGE', 'an override needs a reason', {
          hint: 'pass --reason "why this cannot wait"',
        });
      const secret = io.env.VIGIL_TOKEN;
      if (!secret)
        throw new VigilError('UNAUTHENTICATED', 'an override needs an API token in $VIGIL_TOKEN', {
          hint: 'create one with the change.override right (admin): vigil token create',
        });
      const p = await authenticateToken(store, secret, now);
      if (!p)
        throw new VigilError('UNAUTHENTICATED', 'the token in $VIGIL_TOKEN is unknown, revoked or expired', {
          hint: 'create a new one: vigil token create',
        });
      if (!can(p.role, 'change.override'))
        throw new VigilError('FORBIDDEN', `${p.name} (${p.role}) may not override the gate`, {
          hint: 'overrides need a token with the change.override right (admin)',
        });
      override = { reason: opts.reason, by: p.name, via: 'token' };
    }
    const d = await gate(
      store,
      loaded.config,
      {
        service: opts.service,
        environment: opts.environment,
        change: opts.change,
        at: time(opts.at, '--at', loaded.config.changes.timezone),
        override,
      },
      now,
    );
    if (opts.json) io.out(JSON.stringify(d, null, 2));
    else printDecision(io, d);
    return d.allowed ? 0 : 1;
  });
}

function printDecision(io: Io, d: GateDecision): void {
  const what = [d.service, d.environment].filter(Boolean).join(' ') || 'any service';
  const verdict = d.override ? 'allowed (overridden)' : d.allowed ? 'allowed' : 'denied';
  io.out(
    `${paint(io, d.allowed ? 'ok' : 'critical', verdict)}: ${what} at ${d.evaluated_at} (decided at ${d.decided_at}, server time)`,
  );
  for (const r of d.reasons) io.out(`  - ${r.message}`);
  if (d.override) io.out(`  overridden by ${d.override.by}: ${d.override.reason}`);
  else if (d.allowed_by) io.out(`  allowed by: ${d.allowed_by.message}`);
  const opening = d.reasons.find((r) => r.kind === 'outside_allow')?.name;
  if (!d.allowed && d.next_open_at) io.out(`  next open: ${d.next_open_at}${opening ? ` (${opening})` : ''}`);
}

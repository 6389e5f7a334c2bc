import { randomUUID } from 'node:crypto';
import { roughDuration } from '../core/duration.js';
import { VigilError } from '../errors.js';
import type { Incident, IncidentsRepo } from '../store/incidents.js';
import { type Silence, type SilencesRepo, silenceState } from '../store/silences.js';
import { compileMatchers, formatMatcher, parseMatcher } from './matchers.js';

/** What the CLI and the API do with silences and incidents: one place, one set of rules. */

export interface SilenceInput {
  matchers: readonly string[];
  startsAt?: number;
  endsAt?: number;
  durationMs?: number;
  createdBy: string;
  comment: string;
}

export async function createSilence(repo: SilencesRepo, input: SilenceInput, now: number): Promise<Silence> {
  const usage = (message: string, hint: string) => new VigilError('USAGE', message, { hint });
  if (!input.matchers.length)
    throw usage('a silence needs at least one matcher', 'e.g. alertname="DiskFull" instance=~"db.*"');
  const matchers = input.matchers.map((text) => {
    const m = parseMatcher(text);
    if (typeof m === 'string')
      throw usage(m, 'write matchers as name="value", name!="value", name=~"regex" or name!~"regex"');
    return m;
  });
  // Alertmanager's rule: a matcher set that matches the empty label set would silence everything.
  if (compileMatchers(matchers)({}))
    throw usage('these matchers match every alert', 'add a matcher that names something, e.g. alertname="X"');
  if (!input.createdBy.trim()) throw usage('a silence needs an author', 'pass --author (or set createdBy)');
  if (!input.comment.trim())
    throw usage('a silence needs a comment', 'say why, e.g. --comment "disk swap, ticket 123"');
  const startsAt = input.startsAt ?? now;
  const endsAt = input.endsAt ?? (input.durationMs === undefined ? undefined : startsAt + input.durationMs);
  if (endsAt === undefined) throw usage('a silence needs an end', 'pass --duration 2h or --until <time>');
  if (endsAt <= startsAt) throw usage('a silence must end after it starts', 'check --until / --duration');
  if (endsAt <= now) throw usage('this silence would already be over', 'give an end in the future');
  const s: Silence = {
    id: randomUUID(),
    matchers,
    startsAt,
    endsAt,
    createdBy: input.createdBy.trim(),
    comment: input.comment.trim(),
    createdAt: now,
    updatedAt: now,
  };
  await repo.add(s);
  return s;
}

export async function expireSilence(repo: SilencesRepo, id: string, now: number): Promise<Silence> {
  const s = await repo.get(id);
  if (!s)
    throw new VigilError('NOT_FOUND', `no silence ${id}`, { hint: 'list them with vigil silence list' });
  if (!(await repo.expire(id, now)))
    throw new VigilError('USAGE', `silence ${id} has already ended`, { hint: 'nothing to do' });
  return (await repo.get(id))!;
}

export function silenceView(s: Silence, now: number) {
  return {
    id: s.id,
    matchers: s.matchers.map(formatMatcher),
    state: silenceState(s, now),
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    createdBy: s.createdBy,
    comment: s.comment,
    remaining: silenceState(s, now) === 'expired' ? '' : roughDuration(s.endsAt - Math.max(now, s.startsAt)),
  };
}

async function incident(repo: IncidentsRepo, id: number): Promise<Incident> {
  const i = Number.isSafeInteger(id) ? await repo.get(id) : undefined;
  if (!i)
    throw new VigilError('NOT_FOUND', `no incident ${id}`, { hint: 'list them with vigil incident list' });
  return i;
}

export async function acknowledgeIncident(repo: IncidentsRepo, id: number, by: string, now: number) {
  const i = await incident(repo, id);
  if (i.status !== 'open')
    throw new VigilError('USAGE', `incident ${id} is already ${i.status}`, { hint: 'nothing to do' });
  return (await repo.ack(id, by, now))!;
}

export async function resolveIncident(repo: IncidentsRepo, id: number, by: string, now: number) {
  const i = await incident(repo, id);
  if (i.status === 'resolved')
    throw new VigilError('USAGE', `incident ${id} is already resolved`, { hint: 'nothing to do' });
  return (await repo.resolve(id, by, now))!;
}

export async function incidentDetail(repo: IncidentsRepo, id: number) {
  const i = await incident(repo, id);
  return { ...incidentView(i), timeline: (await repo.timeline(id)).map((e) => ({ ...e, at: iso(e.at) })) };
}

export function incidentView(i: Incident) {
  return {
    id: i.id,
    title: i.title,
    severity: i.severity,
    status: i.status,
    firingAlerts: i.alerts.length,
    openedAt: iso(i.openedAt),
    acknowledgedAt: i.ackedAt === null ? null : iso(i.ackedAt),
    acknowledgedBy: i.ackedBy,
    resolvedAt: i.resolvedAt === null ? null : iso(i.resolvedAt),
    resolvedBy: i.resolvedBy,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

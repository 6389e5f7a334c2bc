import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { whoAt } from '../core/rotation.js';
import { describe } from '../errors.js';
import type { Channel } from '../notify/config.js';
import type { NotificationData } from '../notify/types.js';
import { type AckClaim, signAck, verifyAck } from '../oncall/ack-token.js';
import type { CompiledOncall } from '../oncall/compile.js';
import { after, type EscalationStep } from '../oncall/policy.js';
import type { JobRunner } from '../scheduler/job-runner.js';
import type { EscalationRow } from '../store/escalations.js';
import type { Incident } from '../store/incidents.js';
import type { Store } from '../store/store.js';

/** What a route hands a policy: the page as it rendered it. */
export interface PageMessage {
  title: string;
  body: string;
  data: NotificationData;
}

export interface EscalationDeps {
  runner: Pick<JobRunner, 'set'>;
  clock: Clock;
  store: Pick<Store, 'escalations' | 'incidents' | 'notifications'>;
  oncall(): CompiledOncall;
  channel(name: string): Channel | undefined;
  /** where people reach Vigil, for acknowledgement links */
  externalUrl(): string;
  /** wake the delivery workers: a page was queued */
  kick(): void;
  /** an incident was acknowledged from a link */
  onIncidentChange?(): void;
  log: { info(o: object, msg: string): void; error(o: object, msg: string): void };
}

/** How often the escalation job looks for due steps: a step is at most this late. */
export const escalationTickMs = 15_000;

const signingKeyName = 'ack-links';
const minute = (t: number) => new Date(t).toISOString().slice(11, 16);

/**
 * Escalation policies at run time. A route whose receiver is a policy starts an escalation per
 * incident; the state lives in the store (the next step and when it is due), and one job of the
 * runner, `escalations`, takes each due step: it pages through the outbox (one idempotency key per
 * incident, step and round, so a retried step is queued once), writes the step on the incident's
 * timeline, and moves the row on, or stops it when the incident was acknowledged or resolved.
 * After a restart the job finds the rows as they were: the next step is taken, late if Vigil was
 * down, never skipped and never from step one again.
 */
export class EscalationService {
  #secret?: Promise<string>;
  #running?: Promise<void>;

  constructor(private readonly deps: EscalationDeps) {}

  start(): void {
    this.deps.runner.set('escalations', [
      {
        id: 'escalations',
        kind: 'escalation',
        pool: 'tasks',
        missed: 'skip',
        schedule: { type: 'every', everyMs: escalationTickMs },
        run: async () => {
          const n = await this.tick();
          return { ok: true, ...(n ? { message: `${n} escalation steps` } : {}) };
        },
      },
    ]);
  }

  /** A route paged `policy` for these incidents: each gets an escalation, unless it has one. */
  async escalate(policy: string, incidents: readonly number[], message: PageMessage): Promise<void> {
    const at = this.deps.clock.now();
    let started = false;
    for (const incidentId of incidents)
      if (await this.deps.store.escalations.start({ incidentId, policy, message, at })) started = true;
    // The first step goes out now, not at the job's next tick.
    if (started) await this.tick();
  }

  /** Takes every due step; one run at a time in this process (the store's compare-and-set guards the others). */
  async tick(): Promise<number> {
    while (this.#running) await this.#running;
    let n = 0;
    const run = (async () => {
      const now = this.deps.clock.now();
      // Escalations whose incident was acknowledged (dashboard, CLI, API) or resolved stop now,
      // not at their next step's time, so the timeline says when.
      const due = [
        ...(await this.deps.store.escalations.settled()),
        ...(await this.deps.store.escalations.due(now)),
      ];
      const seen = new Set<number>();
      for (const row of due) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        try {
          if (await this.#advance(row, now)) n++;
        } catch (e) {
          this.deps.log.error(
            { escalation: row.id, err: describe(e) },
            'escalation step failed; retried next tick',
          );
        }
      }
    })();
    this.#running = run;
    try {
      await run;
    } finally {
      this.#running = undefined;
    }
    return n;
  }

  async #advance(row: EscalationRow, now: number): Promise<boolean> {
    const { store } = this.deps;
    const incident = await store.incidents.get(row.incidentId);
    const stop = async (state: 'acknowledged' | 'resolved' | 'exhausted', text: string) =>
      store.escalations.move(row, { state }, [{ at: now, kind: 'escalation', text, actor: null }], now);
    if (!incident || incident.status === 'resolved') {
      await stop('resolved', `escalation ${row.policy} stopped: the incident is resolved`);
      return false;
    }
    if (incident.status === 'acknowledged') {
      await stop(
        'acknowledged',
        `escalation ${row.policy} stopped: acknowledged by ${incident.ackedBy ?? 'someone'}`,
      );
      return false;
    }
    const policy = this.deps.oncall().policies.get(row.policy);
    if (!policy) {
      await stop('exhausted', `escalation ${row.policy} stopped: the policy is no longer in the config`);
      return false;
    }
    const step = policy.steps[row.step];
    if (!step) {
      const rounds = policy.repeat + 1;
      await stop(
        'exhausted',
        `not acknowledged: ${row.policy} ran its steps ${rounds === 1 ? 'once' : `${rounds} times`}; nobody else to page`,
      );
      return false;
    }
    const label = `step ${row.step + 1}${policy.repeat ? ` (round ${row.round + 1})` : ''}`;
    const { sent, names } = await this.#page(row, step, incident, now);
    const next = after(policy, row) ?? { round: row.round, step: policy.steps.length };
    const who = names.length ? names.join(', ') : 'nobody (no one on call, no contact)';
    const text =
      row.step === 0 && row.round === 0
        ? `${row.policy} ${label}: paged ${who} at ${minute(now)}`
        : `not acknowledged; ${row.policy} ${label}: escalated to ${who} at ${minute(now)}`;
    const moved = await store.escalations.move(
      row,
      { ...next, nextAt: now + step.waitMs },
      [{ at: now, kind: 'escalation', text, actor: null }],
      now,
    );
    if (moved && sent) this.deps.kick();
    return moved;
  }

  /** Queues the step's pages; the idempotency key makes a retried step queue nothing new. */
  async #page(
    row: EscalationRow,
    step: EscalationStep,
    incident: Incident,
    now: number,
  ): Promise<{ sent: number; names: string[] }> {
    const o = this.deps.oncall();
    const targets: { to: string; label: string; channels: string[] }[] = [];
    const person = (user: string, why: string) => {
      const u = o.users.get(user);
      if (u && !targets.some((t) => t.to === user))
        targets.push({ to: user, label: `${u.displayName}${why}`, channels: u.channels });
    };
    if (step.schedule !== undefined) {
      const s = o.schedules.get(step.schedule);
      const on = s && whoAt(s, now);
      if (on) person(on.user, ` (on call in ${step.schedule})`);
    }
    for (const u of step.users) person(u, '');
    for (const c of step.channels) targets.push({ to: `channel:${c}`, label: c, channels: [c] });
    const message = row.message as PageMessage;
    const secret = await this.#key();
    let sent = 0;
    const names: string[] = [];
    for (const t of targets) {
      const link = `${this.deps.externalUrl().replace(/\/$/, '')}/ack/${signAck(secret, {
        incident: incident.id,
        to: t.to,
        expiresAt: now + o.ackLinkTtlMs,
      })}`;
      const via: string[] = [];
      for (const name of t.channels) {
        const channel = this.deps.channel(name);
        if (!channel) continue;
        const key = createHash('sha256')
          .update(`esc\u0000${row.id}\u0000${row.round}\u0000${row.step}\u0000${name}`)
          .digest('hex')
          .slice(0, 32);
        await this.deps.store.notifications.enqueue({
          id: `esc-${key.slice(0, 20)}`,
          idempotencyKey: key,
          channel: name,
          provider: channel.provider,
          groupKey: `escalation:${row.id}`,
          event: 'firing',
          payload: {
            data: message.data,
            title: `[incident #${incident.id}] ${message.title}`,
            body: `${message.body}\n\nAcknowledge (stops the escalation): ${link}`,
          },
          alerts: message.data.alerts.length,
          incidents: [incident.id],
          createdAt: now,
          nextAttemptAt: now,
        });
        sent++;
        via.push(name.split(':').at(-1)!);
      }
      names.push(via.length ? `${t.label} via ${via.join(', ')}` : `${t.label} (no channel)`);
    }
    return { sent, names };
  }

  #key(): Promise<string> {
    this.#secret ??= this.deps.store.escalations
      .secret(signingKeyName, () => randomBytes(32).toString('hex'), this.deps.clock.now())
      .catch((e) => {
        this.#secret = undefined;
        throw e;
      });
    return this.#secret;
  }

  /** What an acknowledgement link points at, without acting on it. */
  async inspect(token: string): Promise<{ claim: AckClaim; incident: Incident } | 'expired' | 'invalid'> {
    const claim = verifyAck(await this.#key(), token, this.deps.clock.now());
    if (typeof claim === 'string') return claim;
    const incident = await this.deps.store.incidents.get(claim.incident);
    return incident ? { claim, incident } : 'invalid';
  }

  /** Acknowledges the link's incident and stops its escalations. */
  async acknowledge(
    token: string,
  ): Promise<{ incident: Incident; already: boolean } | 'expired' | 'invalid'> {
    const found = await this.inspect(token);
    if (typeof found === 'string') return found;
    const { claim, incident } = found;
    const now = this.deps.clock.now();
    if (incident.status !== 'open') return { incident, already: true };
    const who = claim.to.startsWith('channel:') ? `a link sent to ${claim.to.slice(8)}` : claim.to;
    const acked = (await this.deps.store.incidents.ack(incident.id, who, now)) ?? incident;
    for (const row of await this.deps.store.escalations.list({ incidentId: incident.id, active: true }))
      await this.deps.store.escalations.move(
        row,
        { state: 'acknowledged' },
        [
          {
            at: now,
            kind: 'escalation',
            text: `escalation ${row.policy} stopped: acknowledged by ${who} from a page link`,
            actor: who,
          },
        ],
        now,
      );
    this.deps.log.info({ incident: incident.id, by: who }, 'incident acknowledged from a page link');
    this.deps.onIncidentChange?.();
    return { incident: acked, already: false };
  }
}

import type { Clock, TimerHandle } from '../core/clock.js';
import { planShards, shardLease, shardOf } from '../core/shards.js';
import { describe } from '../errors.js';
import type { Job } from '../scheduler/types.js';
import type { ClusterRepo, LeaseRow, NodeRow } from '../store/cluster.js';

/** The lease whose holder evaluates the rules and groups the notifications. */
export const alertingLease = 'alerting';

export interface ClusterOptions {
  clock: Clock;
  repo: ClusterRepo;
  node: { id: string; name: string; pid: number; version: string; url: string | null; startedAt: number };
  ttlMs: number;
  shards: number;
  /** PostgreSQL: measure this node's clock against the database's and refuse leases past `ttl / 5` of skew */
  measureSkew: boolean;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
  /** this node gained or lost the alerting lease (rules and notification grouping follow it) */
  onLeadership?(leading: boolean): void;
}

export interface ClusterCounters {
  renewals: number;
  renewalFailures: number;
  acquired: number;
  released: number;
  /** leases this node found taken from it (expired before it could renew) */
  lost: number;
  /** times this node stopped its work because it could not renew in time */
  fenced: number;
}

export interface ClusterStatus {
  self: string;
  ttlMs: number;
  shards: number;
  alive: boolean;
  leading: boolean;
  skewMs: number | undefined;
  nodes: Array<NodeRow & { alive: boolean; shards: number; leading: boolean }>;
  leases: Array<LeaseRow & { live: boolean }>;
}

/**
 * This node's membership of the cluster: a heartbeat row, and leases on shards
 * of the checks and on the alerting role, renewed every third of their TTL.
 * Each lease's epoch grows when its holder changes, so work done under an old
 * epoch can be told apart.
 *
 * Self-fencing: what this node holds is valid only until the moment it sent
 * its last successful renewal plus the TTL minus a margin. That moment is
 * before the lease's expiry in the store (written from a later clock reading),
 * so this node stops running checks, rules and sends before any other node can
 * take its leases, as long as the nodes' clocks agree within the margin (the
 * skew against PostgreSQL is measured on every renewal and leases are refused
 * beyond it).
 *
 * Renewal runs on a timer of its own, not as a job of the runner: a runner
 * whose pools are full of slow checks must not delay the renewal that keeps
 * the node's work valid.
 */
export class ClusterMembership {
  readonly counters: ClusterCounters = {
    renewals: 0,
    renewalFailures: 0,
    acquired: 0,
    released: 0,
    lost: 0,
    fenced: 0,
  };
  /** lease name → epoch, as last renewed */
  #held = new Map<string, number>();
  #validUntil = Number.NEGATIVE_INFINITY;
  #timer?: TimerHandle;
  #fenceTimer?: TimerHandle;
  #running = false;
  /** renewing on its own timer (start()); without it, only renewNow() renews (tests) */
  #renewing = false;
  #ticking?: Promise<void>;
  #leading = false;
  /** when this node stopped its work for want of a renewal, until it renews again */
  #fencedSince: number | undefined;
  #skewMs: number | undefined;
  #lastRows: { nodes: NodeRow[]; leases: LeaseRow[] } = { nodes: [], leases: [] };

  constructor(private readonly opts: ClusterOptions) {}

  get id(): string {
    return this.opts.node.id;
  }

  /** Join: one renewal round, awaited, so the first jobs already know what this node owns. */
  async join(): Promise<void> {
    this.#running = true;
    await this.#tick();
  }

  /** Keep renewing every third of the TTL. */
  start(): void {
    this.#running = true;
    this.#renewing = true;
    this.#arm(this.#renewEveryMs());
  }

  /** One renewal round now: renew, rebalance, take what is free. */
  renewNow(): Promise<void> {
    this.#running = true;
    return this.#tick();
  }

  /** Leave cleanly: give every lease back so the others take over at once. */
  async leave(): Promise<void> {
    this.#running = false;
    this.#renewing = false;
    this.#timer?.cancel();
    this.#fenceTimer?.cancel();
    await this.#ticking;
    this.#held.clear();
    this.#validUntil = Number.NEGATIVE_INFINITY;
    this.#setLeading(false);
    await this.opts.repo
      .leave(this.id, this.opts.clock.now())
      .catch((e) =>
        this.opts.log.warn(
          { err: describe(e) },
          'could not give the cluster leases back; they expire by themselves',
        ),
      );
  }

  /** Whether this node's membership is valid now: false once it could not renew in time. */
  alive(): boolean {
    return this.opts.clock.now() < this.#validUntil;
  }

  holds(lease: string): boolean {
    return this.alive() && this.#held.has(lease);
  }

  leading(): boolean {
    return this.holds(alertingLease);
  }

  /** The epoch under which this node holds `lease` now, if it does. */
  epochOf(lease: string): number | undefined {
    return this.holds(lease) ? this.#held.get(lease) : undefined;
  }

  /** The job runner's question at each due time (see JobScope). */
  readonly owns = (job: Job, dueAt: number): boolean | Promise<boolean> => {
    switch (job.scope ?? 'local') {
      case 'local':
        return true;
      case 'shard':
        return this.holds(shardLease(shardOf(job.id, this.opts.shards)));
      case 'leader':
        return this.leading();
      case 'once':
        if (!this.alive()) return false;
        return this.opts.repo.claimRun(job.id, dueAt, this.id, this.opts.clock.now());
    }
  };

  status(): ClusterStatus {
    const now = this.opts.clock.now();
    const { nodes, leases } = this.#lastRows;
    const live = (l: LeaseRow) => l.holder !== null && l.expiresAt > now;
    return {
      self: this.id,
      ttlMs: this.opts.ttlMs,
      shards: this.opts.shards,
      alive: this.alive(),
      leading: this.leading(),
      skewMs: this.#skewMs,
      nodes: nodes.map((n) => ({
        ...n,
        alive: n.stoppedAt === null && now - n.heartbeatAt < this.opts.ttlMs,
        shards: leases.filter((l) => live(l) && l.holder === n.id && l.name.startsWith('shard:')).length,
        leading: leases.some((l) => live(l) && l.holder === n.id && l.name === alertingLease),
      })),
      leases: leases.map((l) => ({ ...l, live: live(l) })),
    };
  }

  #renewEveryMs(): number {
    return Math.floor(this.opts.ttlMs / 3);
  }

  /** The margin kept between this node's own deadline and the lease's expiry in the store. */
  #marginMs(): number {
    return Math.floor(this.opts.ttlMs / 5);
  }

  #arm(ms: number): void {
    if (!this.#running || !this.#renewing) return;
    this.#timer?.cancel();
    this.#timer = this.opts.clock.setTimer(Math.max(0, ms), () => {
      this.#timer = undefined;
      this.#ticking = this.#tick().finally(() => {
        this.#ticking = undefined;
      });
    });
  }

  async #tick(): Promise<void> {
    const { clock, repo, ttlMs } = this.opts;
    const sentAt = clock.now();
    let next = this.#renewEveryMs();
    try {
      if (this.opts.measureSkew) {
        const before = clock.now();
        const db = await repo.databaseNow();
        const skew = db - (before + clock.now()) / 2;
        this.#skewMs = skew;
        if (Math.abs(skew) > this.#marginMs())
          throw new Error(
            `this node's clock is ${Math.round(skew)} ms from PostgreSQL's; leases need agreement within ${this.#marginMs()} ms (run NTP)`,
          );
      }
      const n = this.opts.node;
      await repo.heartbeat(
        { id: n.id, host: n.name, pid: n.pid, version: n.version, url: n.url, startedAt: n.startedAt },
        sentAt,
      );
      const kept = await repo.renew(this.id, sentAt, ttlMs);
      this.counters.renewals++;
      const keptNames = new Set(kept.map((k) => k.name));
      for (const name of this.#held.keys())
        if (!keptNames.has(name)) {
          this.counters.lost++;
          this.opts.log.warn(
            { lease: name },
            'a cluster lease expired before it was renewed; another node may hold it now',
          );
        }
      this.#held = new Map(kept.map((k) => [k.name, k.epoch]));
      if (this.#fencedSince !== undefined) {
        this.opts.log.warn(
          { stoppedForMs: sentAt - this.#fencedSince },
          'cluster membership renewed: this node takes work again, under new leases',
        );
        this.#fencedSince = undefined;
      }
      this.#validUntil = sentAt + ttlMs - this.#marginMs();

      const nodes = await repo.nodes();
      const now = clock.now();
      const liveIds = nodes
        .filter((x) => x.stoppedAt === null && now - x.heartbeatAt < ttlMs)
        .map((x) => x.id);
      let leases = await repo.leases();
      // Another node may win some of the shards this one ranks first: plan again on what is left, a
      // few times, so the whole share is taken in this round rather than a renewal later.
      for (let round = 0; round < 3; round++) {
        const plan = planShards(this.id, liveIds, leases, this.opts.shards, now);
        for (const name of plan.release) {
          await repo.release(name, this.id, this.#held.get(name)!, now);
          this.#held.delete(name);
          this.counters.released++;
        }
        const wanted = [...plan.acquire];
        const alerting = leases.find((l) => l.name === alertingLease);
        if (!alerting || alerting.holder === null || alerting.expiresAt <= now) wanted.push(alertingLease);
        let missed = 0;
        for (const name of wanted) {
          // Taken at `sentAt`, the same moment as the renewal: one deadline covers every lease.
          const epoch = await repo.acquire(name, this.id, sentAt, ttlMs);
          if (epoch !== undefined) {
            this.#held.set(name, epoch);
            this.counters.acquired++;
          } else missed++;
        }
        if (plan.release.length || wanted.length) leases = await repo.leases();
        if (!missed) break;
      }
      this.#lastRows = { nodes, leases };
      // Wake when a lease held elsewhere expires, so a dead node's work moves at its TTL, not a renewal later.
      for (const l of leases)
        if (l.holder !== this.id && l.expiresAt > now && l.expiresAt - now < next)
          next = l.expiresAt - now + 1;
      this.#armFence();
    } catch (e) {
      this.counters.renewalFailures++;
      this.opts.log.error(
        { err: describe(e), validForMs: Math.max(0, this.#validUntil - clock.now()) },
        'cluster lease renewal failed; this node stops its work when its leases run out',
      );
      // Retry sooner than a renewal period: the leases are running out.
      next = Math.min(next, 1000);
    }
    this.#setLeading(this.leading());
    this.#arm(next);
  }

  /** At the deadline, unless renewed before it, this node stops its work (and says so once). */
  #armFence(): void {
    this.#fenceTimer?.cancel();
    if (!this.#running) return;
    const ms = this.#validUntil - this.opts.clock.now();
    this.#fenceTimer = this.opts.clock.setTimer(Math.max(0, ms), () => {
      if (this.alive()) return;
      this.counters.fenced++;
      this.#fencedSince = this.#validUntil;
      this.opts.log.error(
        {},
        'cluster leases ran out before they could be renewed: this node stopped its work',
      );
      this.#setLeading(false);
    });
  }

  #setLeading(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    this.opts.log.info(
      { node: this.id },
      leading
        ? 'this node now evaluates the rules and groups notifications'
        : 'this node no longer evaluates the rules',
    );
    this.opts.onLeadership?.(leading);
  }
}

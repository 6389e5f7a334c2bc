import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkKinds } from '../checks/registry.js';
import type { CheckConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { describe } from '../errors.js';
import { JobRunner } from '../scheduler/job-runner.js';
import { Monitor } from './monitor.js';
import { ProbeBuffer } from './probe-buffer.js';
import type { ProbeCheck } from './probes.js';

export interface ProbeAgentOptions {
  /** the Vigil server, e.g. https://vigil.example */
  server: string;
  token: string;
  location: string;
  /** where results wait while the server is unreachable, and the last checks fetched */
  stateDir: string;
  clock: Clock;
  version: string;
  hostname: string;
  log: {
    info(o: object, msg: string): void;
    warn(o: object, msg: string): void;
    error(o: object, msg: string): void;
  };
  fetch?: typeof fetch;
  /** how often the checks are fetched again (an unchanged list costs a 304) */
  pollMs?: number;
  /** how often waiting results are pushed */
  pushMs?: number;
  /** results kept on disk while the server is unreachable; the oldest go first */
  maxBuffered?: number;
  /** results per request */
  batch?: number;
  concurrency?: number;
}

/** A request's deadline: a server that hangs must not hold the agent's push or poll. */
const requestTimeoutMs = 15_000;

/**
 * `vigil probe`: the same checks, the same job runner, no database and no
 * config file. It fetches its location's checks from the server, runs them on
 * their schedules, and pushes the results in numbered batches. While the
 * server is unreachable it keeps probing and keeps the results on disk (within
 * a bound), then sends them, oldest first, with the times they were made.
 */
export class ProbeAgent {
  readonly runner: JobRunner;
  readonly monitor: Monitor;
  readonly buffer: ProbeBuffer;
  #etag: string | undefined;
  #failingSince: number | undefined;
  #checksFile: string;
  #fetch: typeof fetch;

  constructor(private readonly o: ProbeAgentOptions) {
    this.#fetch = o.fetch ?? fetch;
    this.buffer = new ProbeBuffer(o.stateDir, o.maxBuffered);
    this.#checksFile = path.join(o.stateDir, 'checks.json');
    const pool = { concurrency: 1 };
    this.runner = new JobRunner({
      clock: o.clock,
      pools: { checks: { concurrency: o.concurrency ?? 32 }, rules: pool, tasks: { concurrency: 2 } },
      onError: (message, e) => o.log.error({ err: e === undefined ? undefined : describe(e) }, message),
    });
    this.monitor = new Monitor({
      clock: o.clock,
      runner: this.runner,
      // a probe runs network checks only: nothing is pushed to it
      heartbeats: { last: async () => undefined },
      concurrency: o.concurrency ?? 32,
      record: (r) => this.buffer.add(r),
    });
  }

  get #base(): string {
    return this.o.server.replace(/\/+$/, '');
  }

  /** Start probing: the last checks known (so a restart while the server is away keeps probing), then the server's. */
  async start(): Promise<void> {
    const cached = readCached(this.#checksFile);
    if (cached) this.#apply(cached.checks);
    await this.sync().catch(() => {});
    this.runner.set('probe', [
      {
        id: 'probe:sync',
        kind: 'probe',
        pool: 'tasks',
        missed: 'skip',
        schedule: { type: 'every', everyMs: this.o.pollMs ?? 30_000 },
        run: async () => {
          const changed = await this.sync();
          return { ok: true, ...(changed ? { message: 'checks changed' } : {}) };
        },
      },
      {
        id: 'probe:push',
        kind: 'probe',
        pool: 'tasks',
        missed: 'skip',
        schedule: { type: 'every', everyMs: this.o.pushMs ?? 5000 },
        run: async () => {
          const sent = await this.push();
          return { ok: true, message: `${sent} sent, ${this.buffer.size} waiting` };
        },
      },
    ]);
    this.runner.start();
  }

  async stop(deadlineMs = 5000): Promise<void> {
    await this.runner.stop(deadlineMs);
    // a last push; what does not go stays on disk for the next start
    await this.push().catch(() => {});
  }

  /** Fetch this location's checks; true when they changed. */
  async sync(): Promise<boolean> {
    const q = new URLSearchParams({
      agent: this.buffer.agent,
      version: this.o.version,
      hostname: this.o.hostname,
    });
    let res: Response;
    try {
      res = await this.#request(`/api/v1/probe/checks?${q}`, {
        headers: this.#etag ? { 'if-none-match': this.#etag } : {},
      });
    } catch (e) {
      this.#failed(e);
      throw e;
    }
    if (res.status === 304) return false;
    if (!res.ok) {
      const e = new Error(`fetching checks: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
      this.#failed(e);
      throw e;
    }
    const body = (await res.json()) as { version: string; checks: ProbeCheck[] };
    this.#etag = res.headers.get('etag') ?? undefined;
    this.#apply(body.checks);
    atomicWrite(this.#checksFile, JSON.stringify(body));
    this.o.log.info({ checks: body.checks.map((c) => c.name), version: body.version }, 'checks loaded');
    return true;
  }

  /** Push what waits, oldest first, batch by batch; returns how many the server took. */
  async push(): Promise<number> {
    let sent = 0;
    while (this.buffer.size) {
      const batch = this.buffer.peek(this.o.batch ?? 500);
      let res: Response;
      try {
        res = await this.#request('/api/v1/probe/results', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            agent: this.buffer.agent,
            version: this.o.version,
            hostname: this.o.hostname,
            buffered: this.buffer.size - batch.length,
            results: batch,
          }),
        });
      } catch (e) {
        this.#failed(e);
        return sent;
      }
      if (!res.ok) {
        this.#failed(new Error(`pushing results: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`));
        return sent;
      }
      const out = (await res.json()) as { lastSeq: number };
      this.buffer.ack(Math.min(out.lastSeq, batch[batch.length - 1]!.seq));
      sent += batch.length;
      this.#recovered();
    }
    return sent;
  }

  #apply(checks: ProbeCheck[]): void {
    const known = checks.filter((c) => {
      if (c.kind in checkKinds) return true;
      this.o.log.warn({ check: c.name, kind: c.kind }, 'this probe does not know the kind; upgrade it');
      return false;
    });
    this.monitor.reload(known.map((c): CheckConfig => ({ ...c })));
  }

  async #request(url: string, init: RequestInit): Promise<Response> {
    return this.#fetch(`${this.#base}${url}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${this.o.token}` },
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  }

  #failed(e: unknown): void {
    if (this.#failingSince !== undefined) return;
    this.#failingSince = this.o.clock.now();
    this.o.log.warn(
      { err: describe(e), buffered: this.buffer.size },
      'cannot reach the server; probing on, results wait on disk',
    );
  }

  #recovered(): void {
    if (this.#failingSince === undefined) return;
    this.o.log.info(
      { unreachableForMs: this.o.clock.now() - this.#failingSince, dropped: this.buffer.dropped },
      'the server is reachable again',
    );
    this.#failingSince = undefined;
  }
}

function readCached(file: string): { checks: ProbeCheck[] } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { checks: ProbeCheck[] };
  } catch {
    return undefined;
  }
}

function atomicWrite(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckResult } from '../checks/types.js';
import type { PushedLocationResult } from './probes.js';

/** What the agent keeps besides its results: who it is, and the last number the server acknowledged. */
interface AgentState {
  agent: string;
  acked: number;
}

/**
 * A probe agent's results waiting for the server, on disk: one JSON line per
 * result, numbered in the order they were made, appended as they come, so a
 * killed agent loses nothing it had written. The server skips numbers it
 * already has, so a batch sent again after a lost answer is stored once.
 * Past `maxResults` the oldest are dropped (and counted): a probe cut off
 * for days must not fill its disk.
 */
export class ProbeBuffer {
  readonly agent: string;
  #pending: PushedLocationResult[] = [];
  #next: number;
  #acked: number;
  /** lines in the file, acknowledged ones included until the next rewrite */
  #lines = 0;
  dropped = 0;
  readonly #file: string;
  readonly #stateFile: string;

  constructor(
    readonly dir: string,
    private readonly maxResults = 100_000,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.#file = path.join(dir, 'results.jsonl');
    this.#stateFile = path.join(dir, 'agent.json');
    const state = readJson<AgentState>(this.#stateFile);
    this.agent = state?.agent ?? randomBytes(6).toString('hex');
    this.#acked = state?.acked ?? 0;
    this.#pending = readLines(this.#file).filter((r) => r.seq > this.#acked);
    this.#next = Math.max(this.#acked, ...this.#pending.map((r) => r.seq)) + 1;
    if (!state) this.#saveState();
    // Rewritten once at start: a line torn by a crash must not glue itself to the next one appended.
    this.#rewrite();
  }

  get size(): number {
    return this.#pending.length;
  }

  add(result: CheckResult): void {
    const entry: PushedLocationResult = {
      seq: this.#next++,
      check: result.check,
      startedAt: result.startedAt,
      durationMs: result.durationMs,
      status: result.status,
      message: result.message,
      // JSON has no NaN: a staleness marker's value travels as null
      samples: result.samples.map((s) => ({
        name: s.name,
        ...(s.labels ? { labels: { ...s.labels } } : {}),
        value: Number.isNaN(s.value) ? null : s.value,
        ...(s.ts === undefined ? {} : { ts: s.ts }),
      })),
    };
    this.#pending.push(entry);
    if (this.#pending.length > this.maxResults) {
      // Drop a tenth at once, so a full buffer rewrites its file now and then, not at every result.
      const over = this.#pending.length - Math.floor(this.maxResults * 0.9);
      this.#pending.splice(0, over);
      this.dropped += over;
      this.#rewrite();
    } else {
      appendFileSync(this.#file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      this.#lines++;
    }
  }

  /** The oldest results, in order. */
  peek(n: number): PushedLocationResult[] {
    return this.#pending.slice(0, n);
  }

  /** The server has everything up to `seq`: forget it. */
  ack(seq: number): void {
    if (seq <= this.#acked) return;
    this.#acked = seq;
    const i = this.#pending.findIndex((r) => r.seq > seq);
    this.#pending = i < 0 ? [] : this.#pending.slice(i);
    // The number is what counts: lines at or below it are skipped when the file is read again, so
    // the file is rewritten only once most of it is acknowledged (a backlog drains in linear time).
    this.#saveState();
    if (!this.#pending.length || this.#lines > 2 * this.#pending.length) this.#rewrite();
  }

  #saveState(): void {
    atomicWrite(this.#stateFile, JSON.stringify({ agent: this.agent, acked: this.#acked }));
  }

  #rewrite(): void {
    atomicWrite(this.#file, this.#pending.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.#lines = this.#pending.length;
  }
}

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Every whole line; a line cut short by a crash mid-write is skipped. */
function readLines(file: string): PushedLocationResult[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: PushedLocationResult[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as PushedLocationResult;
      if (typeof r.seq === 'number' && (!out.length || r.seq > out[out.length - 1]!.seq)) out.push(r);
    } catch {
      // a torn last line
    }
  }
  return out;
}

import { performance } from 'node:perf_hooks';
import type { CheckConfig } from '../config/schema.js';
import { cacheKey } from '../core/cache-key.js';
import type { Clock } from '../core/clock.js';
import { describe } from '../errors.js';
import { checkKinds } from './registry.js';
import type {
  CheckKind,
  CheckResult,
  CheckStateHandle,
  HeartbeatReader,
  KindOutcome,
  Sample,
} from './types.js';

export interface RunnerDeps {
  clock: Clock;
  heartbeats: HeartbeatReader;
  /** per-check memory kept between runs */
  memo(check: string): Record<string, unknown>;
  /** persisted per-check state; without it, state lasts as long as the memo */
  state?(check: string): CheckStateHandle;
}

/**
 * Run one check once. Never throws: a probe that fails, hangs past its timeout
 * or crashes becomes a result with a message, so one bad check cannot take the
 * daemon down. Adds `up` and `check_duration_seconds` to the kind's samples.
 */
export async function runCheck(
  check: CheckConfig,
  deps: RunnerDeps,
  parent?: AbortSignal,
): Promise<CheckResult> {
  const kind = checkKinds[check.kind] as CheckKind<unknown>;
  const controller = new AbortController();
  const startedAt = deps.clock.now();
  const t0 = performance.now();
  let onTimeout!: () => void;
  const timedOut = new Promise<KindOutcome>((resolve) => {
    onTimeout = () => resolve({ status: 'critical', message: `timed out after ${check.timeoutMs}ms` });
  });
  // The run's deadline (at most 24 days, the config refuses more), not scheduled work.
  const timer = deps.clock.setTimer(check.timeoutMs, () => {
    controller.abort(new Error('timeout'));
    onTimeout();
  });
  const onParentAbort = () => {
    controller.abort(parent?.reason);
    onTimeout();
  };
  parent?.addEventListener('abort', onParentAbort, { once: true });

  let outcome: KindOutcome;
  try {
    // The race returns at the timeout even when a kind ignores its signal.
    outcome = await Promise.race([
      kind.run(check.spec, {
        name: check.name,
        signal: controller.signal,
        timeoutMs: check.timeoutMs,
        now: () => deps.clock.now(),
        memo: deps.memo(check.name),
        heartbeats: deps.heartbeats,
        state: deps.state?.(check.name) ?? memoState(deps.memo(check.name)),
      }),
      timedOut,
    ]);
  } catch (e) {
    outcome = { status: 'unknown', message: `check failed to run: ${describe(e)}` };
  } finally {
    timer.cancel();
    parent?.removeEventListener('abort', onParentAbort);
  }
  return resultOf(
    check,
    outcome,
    startedAt,
    outcome.durationMs ?? performance.now() - t0,
    deps.memo(check.name),
  );
}

/**
 * A kind's outcome as the result Vigil records: `up` and `check_duration_seconds`
 * added to the kind's samples, all labelled with the check. Also for outcomes made
 * elsewhere (a pushed result), so they are stored like any run's.
 */
export function resultOf(
  check: CheckConfig,
  outcome: KindOutcome,
  startedAt: number,
  durationMs: number,
  memo: Record<string, unknown>,
): CheckResult {
  const labels = labelCache(memo, check);
  const base = labels(undefined);
  const up = isUp(outcome);
  const samples: Sample[] = [
    { name: 'up', labels: base, value: up ? 1 : 0 },
    { name: 'check_duration_seconds', labels: base, value: durationMs / 1000 },
    ...(outcome.samples ?? []).map((s) => ({
      name: s.name,
      labels: labels(s.labels),
      value: s.value,
      ...(s.ts === undefined ? {} : { ts: s.ts }),
      ...(s.meta ? { meta: s.meta } : {}),
    })),
  ];
  return {
    check: check.name,
    kind: check.kind,
    status: outcome.status,
    message: oneLine(outcome.message),
    startedAt,
    durationMs,
    samples,
    up,
  };
}

/** `up` is reachability, not health: a kind that answered but judged its readings critical says so. */
function isUp(outcome: KindOutcome): boolean {
  return outcome.up ?? (outcome.status === 'ok' || outcome.status === 'warning');
}

/**
 * A check's full label sets ({check, ...labels, ...the sample's}), built once
 * and reused run after run: a new object per sample per run cost memory and
 * CPU at 10,000 checks, and every later cache keys on them.
 */
function labelCache(memo: Record<string, unknown>, check: CheckConfig) {
  const cache = (memo['runner:labels'] ?? new Map()) as Map<string, Readonly<Record<string, string>>>;
  memo['runner:labels'] = cache;
  return (own: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> => {
    const key = own ? cacheKey('', own) : '';
    let merged = cache.get(key);
    if (!merged) {
      // Series that churn (a label with a new value every scrape) must not grow this forever.
      if (cache.size >= 100_000) cache.clear();
      merged = Object.freeze({ check: check.name, ...check.labels, ...own });
      cache.set(key, merged);
    }
    return merged;
  };
}

function memoState(memo: Record<string, unknown>): CheckStateHandle {
  return {
    get: async () => memo['runner:state'],
    set: async (value) => {
      memo['runner:state'] = value;
    },
  };
}

function oneLine(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

import { performance } from 'node:perf_hooks';
import type { CheckConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { describe } from '../errors.js';
import { checkKinds } from './registry.js';
import type { CheckKind, CheckResult, HeartbeatReader, KindOutcome, Sample } from './types.js';

export interface RunnerDeps {
  clock: Clock;
  heartbeats: HeartbeatReader;
  /** per-check memory kept between runs */
  memo(check: string): Record<string, unknown>;
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
      }),
      timedOut,
    ]);
  } catch (e) {
    outcome = { status: 'unknown', message: `check failed to run: ${describe(e)}` };
  } finally {
    timer.cancel();
    parent?.removeEventListener('abort', onParentAbort);
  }
  const durationMs = outcome.durationMs ?? performance.now() - t0;
  const base = { check: check.name, ...check.labels };
  const samples: Sample[] = [
    { name: 'up', labels: base, value: outcome.status === 'ok' || outcome.status === 'warning' ? 1 : 0 },
    { name: 'check_duration_seconds', labels: base, value: durationMs / 1000 },
    ...(outcome.samples ?? []).map((s) => ({ ...s, labels: { ...base, ...s.labels } })),
  ];
  return {
    check: check.name,
    kind: check.kind,
    status: outcome.status,
    message: oneLine(outcome.message),
    startedAt,
    durationMs,
    samples,
  };
}

function oneLine(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

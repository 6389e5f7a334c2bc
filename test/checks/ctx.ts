import type { CheckContext, HeartbeatReader } from '../../src/checks/types.js';

/** A CheckContext for one test, with the controller that aborts its signal. */
export function makeCtx(
  overrides: Partial<CheckContext> = {},
): CheckContext & { controller: AbortController } {
  const controller = new AbortController();
  const noPings: HeartbeatReader = { last: async () => undefined };
  return {
    name: 'test',
    signal: controller.signal,
    timeoutMs: 5000,
    now: () => Date.now(),
    memo: {},
    heartbeats: noPings,
    state: memoryState(),
    ...overrides,
    controller,
  };
}

/** A check's persisted state, kept in memory for one test. */
export function memoryState(): CheckContext['state'] & { value: unknown } {
  const h = {
    value: undefined as unknown,
    get: async () => h.value,
    set: async (v: unknown) => {
      h.value = v;
    },
  };
  return h;
}

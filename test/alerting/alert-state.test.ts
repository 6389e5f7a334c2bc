import { describe, expect, it } from 'vitest';
import { type ActiveAlert, resolvedRetentionMs, stepAlerts } from '../../src/core/alert-state.js';

const el = (instance: string, value = 1) => ({
  labels: { alertname: 'Down', instance },
  annotations: { summary: `${instance} is down` },
  value,
});
const minute = 60_000;

/** Run a timeline: at each minute, which instances match. */
function run(timeline: string[][], rule = { forMs: 3 * minute, keepFiringForMs: 0 }) {
  let active = new Map<string, ActiveAlert>();
  const states: string[] = [];
  const reasons: string[] = [];
  timeline.forEach((present, i) => {
    const step = stepAlerts(
      active,
      present.map((p) => el(p)),
      i * minute,
      rule,
    );
    active = step.active;
    reasons.push(...step.transitions.map((t) => `${i}:${t.from}->${t.to}:${t.reason}`));
    states.push([...active.values()].map((a) => `${a.labels.instance}=${a.state}`).join(',') || '-');
  });
  return { states, reasons, active };
}

describe('alert state machine (Prometheus semantics)', () => {
  it('goes pending, then firing once ts - activeAt >= for, then resolves', () => {
    const { states, reasons } = run([[], ['a'], ['a'], ['a'], ['a'], []]);
    expect(states).toEqual(['-', 'a=pending', 'a=pending', 'a=pending', 'a=firing', 'a=inactive']);
    expect(reasons).toEqual([
      '1:inactive->pending:condition became true',
      '4:pending->firing:condition held for 180s',
      '5:firing->inactive:condition no longer true: resolved',
    ]);
  });

  it('fires at once with no `for`', () => {
    expect(run([['a']], { forMs: 0, keepFiringForMs: 0 }).states).toEqual(['a=firing']);
  });

  it('drops a pending alert whose element disappears, and starts over', () => {
    const { states, reasons } = run([['a'], ['a'], [], ['a'], ['a'], ['a'], ['a']]);
    expect(states).toEqual([
      'a=pending',
      'a=pending',
      '-',
      'a=pending',
      'a=pending',
      'a=pending',
      'a=firing',
    ]);
    expect(reasons).toContain('2:pending->inactive:condition became false before `for` elapsed');
  });

  it('keeps a resolved alert for 15 minutes, then forgets it; a new occurrence starts pending', () => {
    const tl: string[][] = [['a'], []];
    for (let i = 0; i < 16; i++) tl.push([]);
    const { states } = run(tl, { forMs: 0, keepFiringForMs: 0 });
    expect(states[1]).toBe('a=inactive');
    expect(states[1 + resolvedRetentionMs / minute]).toBe('a=inactive');
    expect(states[2 + resolvedRetentionMs / minute]).toBe('-');
    const again = run([['a'], [], ['a']], { forMs: minute, keepFiringForMs: 0 });
    expect(again.states).toEqual(['a=pending', '-', 'a=pending']);
  });

  it('keeps firing for keep_firing_for after the condition clears', () => {
    const { states } = run([['a'], [], [], [], []], { forMs: 0, keepFiringForMs: 2 * minute });
    expect(states).toEqual(['a=firing', 'a=firing', 'a=firing', 'a=inactive', 'a=inactive']);
  });

  it('tracks each label set on its own and updates value and annotations', () => {
    const first = stepAlerts(new Map(), [el('a', 1), el('b', 2)], 0, { forMs: 0, keepFiringForMs: 0 });
    const second = stepAlerts(first.active, [el('a', 5)], minute, { forMs: 0, keepFiringForMs: 0 });
    const byInstance = Object.fromEntries([...second.active.values()].map((a) => [a.labels.instance, a]));
    expect(byInstance.a).toMatchObject({ state: 'firing', value: 5, activeAt: 0 });
    expect(byInstance.b).toMatchObject({ state: 'inactive', resolvedAt: minute });
  });

  it('refuses two elements with the same label set', () => {
    expect(() => stepAlerts(new Map(), [el('a'), el('a')], 0, { forMs: 0, keepFiringForMs: 0 })).toThrow(
      /same labelset/,
    );
  });

  it('does not modify the previous state', () => {
    const first = stepAlerts(new Map(), [el('a')], 0, { forMs: minute, keepFiringForMs: 0 });
    const snapshot = JSON.stringify([...first.active]);
    stepAlerts(first.active, [el('a')], 2 * minute, { forMs: minute, keepFiringForMs: 0 });
    expect(JSON.stringify([...first.active])).toBe(snapshot);
  });
});

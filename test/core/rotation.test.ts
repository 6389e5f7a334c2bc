import { describe, expect, it } from 'vitest';
import { type ScheduleSpec, shifts, whoAt } from '../../src/core/rotation.js';

const berlin = (layers: ScheduleSpec['layers'], overrides: ScheduleSpec['overrides'] = []): ScheduleSpec => ({
  name: 'primary',
  timezone: 'Europe/Berlin',
  layers,
  overrides,
});
const weekly = {
  name: 'week',
  users: ['ana', 'ben', 'cy'],
  shiftDays: 7,
  start: [2026, 11, 2] as const,
  handoff: { h: 9, m: 0 },
};
const at = (iso: string) => Date.parse(iso);

describe('rotation', () => {
  it('hands off weekly at 09:00 local time, in turn, and nobody before the start', () => {
    const s = berlin([weekly]);
    expect(whoAt(s, at('2026-11-02T07:59:59Z'))).toBeUndefined();
    expect(whoAt(s, at('2026-11-02T08:00:00Z'))).toEqual({ user: 'ana', source: 'week' });
    expect(whoAt(s, at('2026-11-09T07:59:59Z'))?.user).toBe('ana');
    expect(whoAt(s, at('2026-11-09T08:00:00Z'))?.user).toBe('ben');
    expect(whoAt(s, at('2026-11-16T08:00:00Z'))?.user).toBe('cy');
    expect(whoAt(s, at('2026-11-23T08:00:00Z'))?.user).toBe('ana');
  });

  it('keeps the handoff at 09:00 wall time across DST: the shift over the change is an hour longer or shorter', () => {
    // Europe/Berlin: summer time ends 2026-10-25, begins 2027-03-28
    const s = berlin([{ ...weekly, shiftDays: 1, start: [2026, 10, 24] as const }]);
    const list = shifts(s, at('2026-10-24T07:00:00Z'), at('2026-10-27T12:00:00Z'));
    expect(
      list.map((x) => [x.user, new Date(x.startsAt).toISOString(), (x.endsAt - x.startsAt) / 3_600_000]),
    ).toEqual([
      ['ana', '2026-10-24T07:00:00.000Z', 25],
      ['ben', '2026-10-25T08:00:00.000Z', 24],
      ['cy', '2026-10-26T08:00:00.000Z', 24],
      ['ana', '2026-10-27T08:00:00.000Z', 4],
    ]);
    const spring = berlin([{ ...weekly, shiftDays: 1, start: [2027, 3, 27] as const }]);
    const s2 = shifts(spring, at('2027-03-27T08:00:00Z'), at('2027-03-29T07:00:00Z'));
    expect(s2.map((x) => (x.endsAt - x.startsAt) / 3_600_000)).toEqual([23, 24]);
    // a handoff inside the skipped hour happens the same distance after the gap, as the windows do
    const early = berlin([
      { ...weekly, shiftDays: 1, start: [2027, 3, 27] as const, handoff: { h: 2, m: 30 } },
    ]);
    expect(whoAt(early, at('2027-03-28T01:29:00Z'))?.user).toBe('ana');
    expect(whoAt(early, at('2027-03-28T01:30:00Z'))?.user).toBe('ben');
  });

  it('stacks layers (a night layer covers the week) and overrides cover both', () => {
    const nights = {
      name: 'nights',
      users: ['dee'],
      shiftDays: 1,
      start: [2026, 11, 2] as const,
      handoff: { h: 0, m: 0 },
      hours: { from: { h: 22, m: 0 }, to: { h: 7, m: 0 } },
    };
    const s = berlin(
      [weekly, nights],
      [{ user: 'ana', startsAt: at('2026-11-10T08:00:00Z'), endsAt: at('2026-11-11T08:00:00Z') }],
    );
    expect(whoAt(s, at('2026-11-03T12:00:00Z'))?.user).toBe('ana');
    expect(whoAt(s, at('2026-11-03T21:00:00Z'))).toEqual({ user: 'dee', source: 'nights' });
    expect(whoAt(s, at('2026-11-04T05:59:00Z'))?.user).toBe('dee');
    expect(whoAt(s, at('2026-11-04T06:00:00Z'))?.user).toBe('ana');
    // "Ana covers Tuesday" in Ben's week, nights included
    expect(whoAt(s, at('2026-11-10T12:00:00Z'))).toEqual({ user: 'ana', source: 'override' });
    expect(whoAt(s, at('2026-11-10T22:00:00Z'))?.user).toBe('ana');
    expect(whoAt(s, at('2026-11-11T08:00:00Z'))?.user).toBe('ben');
    const day = shifts(s, at('2026-11-10T00:00:00Z'), at('2026-11-11T12:00:00Z'));
    expect(
      day.map((x) => `${x.user}/${x.source} ${new Date(x.startsAt).toISOString().slice(11, 16)}`),
    ).toEqual(['dee/nights 00:00', 'ben/week 06:00', 'ana/override 08:00', 'ben/week 08:00']);
  });
});

import { describe, expect, it } from 'vitest';
import {
  dayRange,
  decide,
  type FreezeSpec,
  occurrences,
  offsetAt,
  parseDate,
  selects,
  type WindowSpec,
  zonedTime,
} from '../../src/core/windows.js';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const win = (w: Partial<WindowSpec> & Pick<WindowSpec, 'kind' | 'cron'>): WindowSpec => ({
  name: w.name ?? `${w.kind}-${w.cron}`,
  durationMs: H,
  timezone: 'UTC',
  ...w,
});

// Argo CD's documented rules (user-guide/sync_windows.md), one row each.
describe('combination, as Argo CD sync windows decide', () => {
  const allowNow = win({ name: 'allow-now', kind: 'allow', cron: '0 10 * * *', durationMs: 2 * H });
  const allowLater = win({ name: 'allow-later', kind: 'allow', cron: '0 20 * * *' });
  const denyNow = win({ name: 'deny-now', kind: 'deny', cron: '30 10 * * *' });
  const denyLater = win({ name: 'deny-later', kind: 'deny', cron: '0 22 * * *' });
  const now = at('2026-06-10T10:45:00Z');
  const rows: [string, WindowSpec[], boolean, string][] = [
    ['no windows: allowed', [], true, 'no-windows'],
    ['an inactive deny window only: allowed', [denyLater], true, 'no-windows'],
    ['an active allow window: allowed', [allowNow], true, 'allow'],
    ['allow windows exist, none active: denied', [allowLater], false, 'outside-allow'],
    ['an active deny window: denied', [denyNow], false, 'deny'],
    ['active allow and active deny: deny wins', [allowNow, denyNow], false, 'deny'],
    ['active allow, inactive deny: allowed', [allowNow, denyLater], true, 'allow'],
    ['inactive allow, inactive deny: denied', [allowLater, denyLater], false, 'outside-allow'],
    ['one active allow among inactive ones: allowed', [allowLater, allowNow], true, 'allow'],
  ];
  it.each(rows)('%s', (_name, windows, allowed, rule) => {
    const d = decide(now, windows, [], {});
    expect(d.allowed).toBe(allowed);
    expect(d.rule).toBe(rule);
    if (allowed) expect(d.nextOpenAt).toBeNull();
  });

  it('names the windows in force', () => {
    const d = decide(now, [allowNow, denyNow], [], {});
    expect(d.active.map((a) => [a.name, iso(a.startsAt), iso(a.endsAt)])).toEqual([
      ['deny-now', '2026-06-10T10:30:00.000Z', '2026-06-10T11:30:00.000Z'],
    ]);
  });
});

describe('selection by labels', () => {
  const webOnly = win({ kind: 'deny', cron: '0 10 * * *', services: ['web'], environments: ['prod'] });
  const now = at('2026-06-10T10:30:00Z');
  it.each([
    [{ service: 'web', environment: 'prod' }, false],
    [{ service: 'api', environment: 'prod' }, true],
    [{ service: 'web', environment: 'staging' }, true],
    [{ service: 'web' }, false],
    [{}, false],
  ])('%j → allowed %s', (target, allowed) => {
    expect(decide(now, [webOnly], [], target).allowed).toBe(allowed);
  });
  it('globs', () => {
    expect(selects({ services: ['pay-*'] }, { service: 'pay-api' })).toBe(true);
    expect(selects({ services: ['pay-*'] }, { service: 'payapi' })).toBe(false);
    expect(selects({ services: ['a.b'] }, { service: 'axb' })).toBe(false);
  });
  it('an allow window for another service does not deny this one', () => {
    const apiNights = win({ kind: 'allow', cron: '0 22 * * *', services: ['api'] });
    expect(decide(now, [apiNights], [], { service: 'web' }).rule).toBe('no-windows');
    expect(decide(now, [apiNights], [], { service: 'api' }).rule).toBe('outside-allow');
  });
});

describe('bounds: [start, start + duration)', () => {
  const w = win({ kind: 'allow', cron: '0 22 * * *', durationMs: 4 * H });
  it.each([
    ['2026-06-10T21:59:59.999Z', false],
    ['2026-06-10T22:00:00.000Z', true],
    ['2026-06-11T01:59:59.999Z', true],
    ['2026-06-11T02:00:00.000Z', false],
  ])('%s → %s', (t, allowed) => {
    expect(decide(at(t), [w], [], {}).allowed).toBe(allowed);
  });
  it('a window longer than its period is active across occurrences', () => {
    const long = win({ kind: 'deny', cron: '0 0 * * *', durationMs: 25 * H });
    const d = decide(at('2026-06-10T00:20:00Z'), [long], [], {});
    expect(d.allowed).toBe(false);
    // both the 9th's and the 10th's occurrences cover 00:20; the latest start holds the latest end
    expect(iso(d.active[0]!.startsAt)).toBe('2026-06-10T00:00:00.000Z');
    // Always covered: no opening within the horizon.
    expect(d.nextOpenAt).toBeNull();
  });
});

describe('next_open_at', () => {
  it('outside allow windows: the next start', () => {
    const w = win({ kind: 'allow', cron: '0 22 * * 1-4', durationMs: 4 * H, timezone: 'Europe/Berlin' });
    // Friday 2026-11-27 12:00 UTC → Monday 2026-11-30 22:00 CET = 21:00Z
    const d = decide(at('2026-11-27T12:00:00Z'), [w], [], {});
    expect(d.allowed).toBe(false);
    expect(iso(d.nextOpenAt)).toBe('2026-11-30T21:00:00.000Z');
  });
  it('in a deny window inside an allow window: the deny window end', () => {
    const allow = win({ kind: 'allow', cron: '0 8 * * *', durationMs: 10 * H });
    const deny = win({ kind: 'deny', cron: '0 12 * * *', durationMs: H });
    const d = decide(at('2026-06-10T12:15:00Z'), [allow, deny], [], {});
    expect(iso(d.nextOpenAt)).toBe('2026-06-10T13:00:00.000Z');
    expect(decide(d.nextOpenAt!, [allow, deny], [], {}).allowed).toBe(true);
  });
  it('a freeze over the next allow window: the first allow start after it', () => {
    const allow = win({ kind: 'allow', cron: '0 22 * * *', durationMs: 2 * H, timezone: 'Europe/Berlin' });
    const freeze: FreezeSpec = {
      name: 'holidays',
      ranges: [dayRange('2026-12-20', '2027-01-04', 'Europe/Berlin')],
    };
    const d = decide(at('2026-12-24T21:30:00Z'), [allow], [freeze], {});
    expect(d.rule).toBe('deny');
    expect(d.active[0]!.name).toBe('holidays');
    expect(iso(d.nextOpenAt)).toBe('2027-01-05T21:00:00.000Z');
  });
  it('a freeze and no windows: the freeze end', () => {
    const freeze: FreezeSpec = { name: 'release', ranges: [dayRange('2026-12-20', '2026-12-21', 'UTC')] };
    const d = decide(at('2026-12-20T05:00:00Z'), [], [freeze], {});
    expect(iso(d.nextOpenAt)).toBe('2026-12-22T00:00:00.000Z');
  });
});

describe('freezes: whole days in the changes time zone, until inclusive', () => {
  const f: FreezeSpec = { name: 'holidays', ranges: [dayRange('2026-12-20', '2027-01-04', 'Europe/Berlin')] };
  it.each([
    ['2026-12-19T22:59:59.999Z', true], // 23:59:59 Berlin on the 19th
    ['2026-12-19T23:00:00.000Z', false], // 00:00 Berlin on the 20th
    ['2027-01-04T22:59:59.999Z', false], // 23:59:59 Berlin on the 4th: still frozen
    ['2027-01-04T23:00:00.000Z', true], // 00:00 Berlin on the 5th
  ])('%s → allowed %s', (t, allowed) => {
    expect(decide(at(t), [], [f], {}).allowed).toBe(allowed);
  });
  it('rejects dates that do not exist', () => {
    expect(parseDate('2026-02-30')).toBeUndefined();
    expect(parseDate('2026-2-3')).toBeUndefined();
    expect(parseDate('2028-02-29')).toEqual([2028, 2, 29]);
  });
});

describe('DST: each window in its own zone, at the instant evaluated', () => {
  it('the same cron means different instants in different zones', () => {
    const berlin = win({ kind: 'allow', cron: '0 9 * * *', timezone: 'Europe/Berlin' });
    const ny = win({ kind: 'allow', cron: '0 9 * * *', timezone: 'America/New_York' });
    const t = at('2026-06-10T07:30:00Z'); // 09:30 CEST, 03:30 EDT
    expect(decide(t, [berlin], [], {}).allowed).toBe(true);
    expect(decide(t, [ny], [], {}).allowed).toBe(false);
  });

  // Table: zone, cron, duration, instant, allowed, why
  const rows: [string, string, number, string, boolean, string][] = [
    // Europe/Berlin spring forward: 2026-03-29 02:00 CET → 03:00 CEST (01:00Z)
    ['Europe/Berlin', '0 9 * * *', H, '2026-03-28T08:30:00Z', true, 'Sat 09:30 CET'],
    ['Europe/Berlin', '0 9 * * *', H, '2026-03-29T07:30:00Z', true, 'Sun 09:30 CEST'],
    ['Europe/Berlin', '0 9 * * *', H, '2026-03-29T08:30:00Z', false, 'Sun 10:30 CEST: over'],
    [
      'Europe/Berlin',
      '30 2 * * *',
      H,
      '2026-03-29T01:15:00Z',
      false,
      '03:15 CEST: skipped 02:30 moved to 03:30',
    ],
    ['Europe/Berlin', '30 2 * * *', H, '2026-03-29T01:30:00Z', true, '03:30 CEST'],
    ['Europe/Berlin', '0 22 * * *', 4 * H, '2026-03-29T00:30:00Z', true, 'Sat 22:00 CET + 4h: 01:30 CET'],
    [
      'Europe/Berlin',
      '0 22 * * *',
      4 * H,
      '2026-03-29T01:30:00Z',
      false,
      '03:30 CEST: 4 elapsed hours are over',
    ],
    // Europe/Berlin fall back: 2026-10-25 03:00 CEST → 02:00 CET (01:00Z)
    ['Europe/Berlin', '0 22 * * *', 4 * H, '2026-10-24T23:30:00Z', true, '00:30 CET? no: 01:30 CEST'],
    [
      'Europe/Berlin',
      '0 22 * * *',
      4 * H,
      '2026-10-25T00:30:00Z',
      false,
      '01:30 CET: 4 elapsed hours are over',
    ],
    ['Europe/Berlin', '0 9 * * *', H, '2026-10-25T08:30:00Z', true, 'Sun 09:30 CET'],
    ['Europe/Berlin', '0 9 * * *', H, '2026-10-25T07:30:00Z', false, 'Sun 08:30 CET'],
    // America/New_York spring forward: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z)
    ['America/New_York', '0 9 * * 1-5', H, '2026-03-06T14:30:00Z', true, 'Fri 09:30 EST'],
    ['America/New_York', '0 9 * * 1-5', H, '2026-03-09T13:30:00Z', true, 'Mon 09:30 EDT'],
    ['America/New_York', '0 9 * * 1-5', H, '2026-03-09T14:30:00Z', false, 'Mon 10:30 EDT'],
    ['America/New_York', '30 2 * * *', H, '2026-03-08T07:30:00Z', true, '03:30 EDT: skipped 02:30 moved'],
    ['America/New_York', '30 2 * * *', H, '2026-03-08T07:15:00Z', false, '03:15 EDT'],
    // America/New_York fall back: 2026-11-01 02:00 EDT → 01:00 EST (06:00Z)
    ['America/New_York', '0 9 * * *', H, '2026-11-01T14:30:00Z', true, 'Sun 09:30 EST'],
    ['America/New_York', '0 9 * * *', H, '2026-11-01T13:30:00Z', false, 'Sun 08:30 EST'],
    [
      'America/New_York',
      '0 0 * * *',
      3 * H,
      '2026-11-01T06:30:00Z',
      true,
      '01:30 EST, 2.5 h after 00:00 EDT',
    ],
    ['America/New_York', '0 0 * * *', 3 * H, '2026-11-01T07:30:00Z', false, '02:30 EST: 3.5 h after'],
  ];
  it.each(rows)('%s %s for %d ms at %s → %s (%s)', (timezone, cron, durationMs, t, allowed) => {
    expect(decide(at(t), [win({ kind: 'allow', cron, durationMs, timezone })], [], {}).allowed).toBe(allowed);
  });

  it('croner runs a start in the repeated hour once, and skips it when asked from inside that hour', async () => {
    // Observed croner 9 behaviour the engine must not inherit: Berlin's 02:30 runs at 02:30 CET
    // (01:30Z); asked from 02:31 CEST (00:31Z), croner's next run is the following day.
    const { Cron } = await import('croner');
    const cron = new Cron('30 2 * * *', { timezone: 'Europe/Berlin', paused: true });
    expect(iso(cron.nextRun(new Date(at('2026-10-24T12:00:00Z')))!.getTime())).toBe(
      '2026-10-25T01:30:00.000Z',
    );
    expect(iso(cron.nextRun(new Date(at('2026-10-25T00:31:00Z')))!.getTime())).toBe(
      '2026-10-26T01:30:00.000Z',
    );
    // New York's 01:30 runs at 01:30 EDT, the first of the two.
    const ny = new Cron('30 1 * * *', { timezone: 'America/New_York', paused: true });
    expect(iso(ny.nextRun(new Date(at('2026-10-31T12:00:00Z')))!.getTime())).toBe('2026-11-01T05:30:00.000Z');
    // The engine still sees the occurrence in force at 02:45 CET, 75 minutes after 02:30 CEST.
    const w = win({ kind: 'deny', cron: '30 2 * * *', durationMs: H, timezone: 'Europe/Berlin' });
    const d = decide(at('2026-10-25T01:45:00Z'), [w], [], {});
    expect(d.allowed).toBe(false);
    expect(iso(d.active[0]!.startsAt)).toBe('2026-10-25T01:30:00.000Z');
    expect(decide(at('2026-10-25T02:30:00Z'), [w], [], {}).allowed).toBe(true);
  });

  it.each([
    ['Europe/Berlin', '30 2 * * *', '2026-10-24T22:00:00Z', '2026-10-25T22:00:00Z'],
    ['America/New_York', '30 1 * * *', '2026-11-01T04:00:00Z', '2026-11-02T04:00:00Z'],
  ])('fall back in %s: %s, inside the repeated hour, starts once that day', (timezone, cron, from, to) => {
    const w = win({ kind: 'allow', cron, timezone });
    expect(occurrences(w, at(from), at(to))).toHaveLength(1);
  });

  it.each([
    ['Europe/Berlin', '30 2 * * *', '2026-03-28T22:00:00Z', '2026-03-29T22:00:00Z'],
    ['America/New_York', '30 2 * * *', '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z'],
  ])('spring forward in %s: %s, inside the skipped hour, still starts once', (timezone, cron, from, to) => {
    expect(occurrences(win({ kind: 'allow', cron, timezone }), at(from), at(to))).toHaveLength(1);
  });

  it('wall times resolve to instants across both changes', () => {
    expect(iso(zonedTime('Europe/Berlin', 2026, 3, 29, 1, 30))).toBe('2026-03-29T00:30:00.000Z');
    expect(iso(zonedTime('Europe/Berlin', 2026, 3, 29, 3, 30))).toBe('2026-03-29T01:30:00.000Z');
    expect(iso(zonedTime('Europe/Berlin', 2026, 10, 25, 0, 0))).toBe('2026-10-24T22:00:00.000Z');
    expect(iso(zonedTime('Europe/Berlin', 2026, 10, 26, 0, 0))).toBe('2026-10-25T23:00:00.000Z');
    expect(iso(zonedTime('America/New_York', 2026, 3, 8, 0, 0))).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(zonedTime('America/New_York', 2026, 3, 9, 0, 0))).toBe('2026-03-09T04:00:00.000Z');
    expect(iso(zonedTime('America/New_York', 2026, 11, 2, 0, 0))).toBe('2026-11-02T05:00:00.000Z');
    expect(offsetAt('America/New_York', at('2026-07-01T00:00:00Z'))).toBe(-4 * H);
  });

  it('a freeze day on a DST day is 23 or 25 hours long', () => {
    const spring = dayRange('2026-03-29', '2026-03-29', 'Europe/Berlin');
    const fall = dayRange('2026-11-01', '2026-11-01', 'America/New_York');
    expect(spring.endsAt - spring.startsAt).toBe(23 * H);
    expect(fall.endsAt - fall.startsAt).toBe(25 * H);
  });
});

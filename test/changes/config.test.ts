import { describe, expect, it } from 'vitest';
import { changesOf } from '../../src/changes/compiled.js';
import { parseConfig } from '../../src/config/loader.js';
import { VigilError } from '../../src/errors.js';

const problemsOf = (text: string) => {
  try {
    parseConfig(text, 'vigil.yaml', {});
  } catch (e) {
    expect(e).toBeInstanceOf(VigilError);
    return (e as VigilError).problems.map((p) => `${p.where}: ${p.message}`);
  }
  throw new Error('expected the config to be refused');
};

describe('changes: config', () => {
  it('compiles windows, freezes, calendars and maintenance', () => {
    const { config } = parseConfig(
      `notify:
  - name: team
    webhook: { url: "http://127.0.0.1:1/hook" }
changes:
  timezone: Europe/Berlin
  windows:
    - { name: weeknights, allow: { cron: "0 22 * * 1-4", duration: 4h }, services: [api] }
    - { name: ny-lunch, deny: { cron: "0 12 * * *", duration: 1h, timezone: America/New_York } }
  freezes:
    - { name: holidays, from: 2026-12-20, until: 2027-01-04 }
    - { name: public, calendar: de }
  calendars:
    de: [2026-10-03, { from: 2026-12-25, until: 2026-12-26 }]
  require: { rollback_plan: true }
  announce: [team]
  remind: [1h, 15m]
  maintenance:
    - name: db-upgrade
      title: Database upgrade
      from: 2026-12-01T03:00
      until: 2026-12-01T05:00
      silence: ['check="db"']
      checks: [db]
`,
      'vigil.yaml',
      {},
    );
    const c = changesOf(config);
    expect(c.windows).toEqual([
      expect.objectContaining({
        name: 'weeknights',
        kind: 'allow',
        durationMs: 4 * 3_600_000,
        timezone: 'Europe/Berlin',
        services: ['api'],
      }),
      expect.objectContaining({ name: 'ny-lunch', kind: 'deny', timezone: 'America/New_York' }),
    ]);
    expect(
      c.freezes[1]!.ranges.map((r) => [new Date(r.startsAt).toISOString(), new Date(r.endsAt).toISOString()]),
    ).toEqual([
      ['2026-10-02T22:00:00.000Z', '2026-10-03T22:00:00.000Z'],
      ['2026-12-24T23:00:00.000Z', '2026-12-26T23:00:00.000Z'],
    ]);
    expect(c.maintenance[0]!.window).toEqual({
      startsAt: Date.parse('2026-12-01T02:00:00Z'),
      endsAt: Date.parse('2026-12-01T04:00:00Z'),
    });
    expect(config.changes.remind).toEqual([3_600_000, 900_000]);
    expect(config.changes.require).toEqual({
      rollback_plan: true,
      no_firing: ['critical'],
      no_open_incident: true,
    });
  });

  it('reports each bad input at its line and column', () => {
    const problems = problemsOf(`changes:
  windows:
    - { name: a, allow: { cron: "0 0 22 * * 1-4", duration: 4h } }
    - { name: b, allow: { cron: "0 22 * * *", duration: 4h, timezone: Mars/Olympus } }
    - { name: c, deny: { cron: "0 22 * * *", duration: -2h } }
    - { name: d, allow: { cron: "0 22 * * *", duration: 1h }, deny: { cron: "0 1 * * *", duration: 1h } }
  freezes:
    - { name: backwards, from: 2027-01-04, until: 2026-12-20 }
    - { name: nowhere, calendar: missing }
    - { name: feb, from: 2026-02-30, until: 2026-03-01 }
  announce: [nobody]
  maintenance:
    - { name: m, cron: "0 3 * * 0" }
    - { name: n, from: 2026-12-01T05:00, until: 2026-12-01T03:00, silence: ["oops"] }
    - { name: o, cron: "0 3 * * 0", duration: 1h, silence: ['severity=~".*"'] }
`);
    expect(problems).toEqual([
      'vigil.yaml:3:33: changes.windows[0].allow.cron: a cron expression has 5 fields, not 6',
      'vigil.yaml:4:71: changes.windows[1].allow.timezone: not an IANA time zone',
      'vigil.yaml:5:56: changes.windows[2].deny.duration: a window cannot last -2h: durations are positive',
      'vigil.yaml:6:7: changes.windows[3]: window "d" needs exactly one of allow or deny',
      'vigil.yaml:8:51: changes.freezes[0].until: this range is written backwards: from 2027-01-04 is after until 2026-12-20',
      'vigil.yaml:9:34: changes.freezes[1].calendar: no calendar named "missing"',
      'vigil.yaml:10:26: changes.freezes[2].from: not a date',
      'vigil.yaml:11:14: changes.announce[0]: no channel named "nobody"',
      'vigil.yaml:13:7: changes.maintenance[0]: maintenance "m" needs cron + duration, or from + until',
      'vigil.yaml:14:49: changes.maintenance[1].until: maintenance "n" ends before it starts',
      'vigil.yaml:14:77: changes.maintenance[1].silence[0]: "oops" is not a matcher',
      'vigil.yaml:15:60: changes.maintenance[2].silence: these matchers match every alert',
    ]);
  });
});

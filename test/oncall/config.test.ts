import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import type { VigilError } from '../../src/errors.js';

const problemsOf = (text: string) => {
  try {
    parseConfig(text, 'vigil.yaml', {});
    return [];
  } catch (e) {
    return (e as VigilError).problems.map((p) => `${p.where}: ${p.message}`);
  }
};

const base = (oncall: string, route = '') => `
notify:
  - name: mail
    email: { host: 127.0.0.1, port: 2525, security: none, from: vigil@example.com, to: ops@example.com }
  - name: team
    webhook: { url: "http://127.0.0.1:9/hook" }
${route}
oncall:
  users:
    - { name: ana, contacts: [{ channel: mail, to: ana@example.com }] }
    - { name: ben, contacts: [{ channel: mail, to: ben@example.com }] }
${oncall}`;

describe('oncall config', () => {
  it('accepts schedules, overrides, policies and a route to a policy', () => {
    const text = base(
      `  schedules:
    - name: primary
      timezone: Europe/Berlin
      layers: [{ rotation: [ana, ben], shift: weekly, start: 2026-11-02, handoff: "09:00" }]
      overrides: [{ user: ana, from: 2026-11-10T09:00, until: 2026-11-11T09:00 }]
  policies:
    - name: night
      repeat: 1
      steps:
        - { schedule: primary, wait: 15m }
        - { users: [ben], wait: 15m }
        - { channels: [team] }`,
      'route: { receiver: team, routes: [{ receiver: night, match: { severity: critical } }] }',
    );
    expect(problemsOf(text)).toEqual([]);
  });

  it('names the field of each mistake: empty rotation, unknown user, override outside, loops', () => {
    const text = base(
      `  schedules:
    - name: primary
      timezone: Europe/Berlin
      layers:
        - { rotation: [], start: 2026-11-02 }
        - { rotation: [ana, carl], start: 2026-11-02 }
      overrides:
        - { user: ana, from: 2026-10-01T09:00, until: 2026-10-02T09:00 }
        - { user: ben, from: 2026-11-20T09:00, until: 2026-11-19T09:00 }
        - { user: dora, from: 2026-11-20T09:00, until: 2026-11-21T09:00 }
  policies:
    - name: a
      steps: [{ schedule: primary }, { policy: b }]
    - name: b
      steps: [{ users: [eve] }, { policy: a }]
    - name: c
      steps: [{ schedule: nope }, { channels: [nowhere] }]`,
      'route: { receiver: team, routes: [{ receiver: ghost }] }',
    );
    expect(problemsOf(text)).toEqual([
      'vigil.yaml:7:47: route.routes[0].receiver: no channel or escalation policy named "ghost"',
      'vigil.yaml:16:23: oncall.schedules[0].layers[0].rotation: a rotation with nobody in it',
      'vigil.yaml:17:29: oncall.schedules[0].layers[1].rotation[1]: no user named "carl" under oncall.users',
      'vigil.yaml:19:30: oncall.schedules[0].overrides[0].from: the override starts before the schedule "primary" does (2026-11-02T08:00:00.000Z)',
      'vigil.yaml:20:55: oncall.schedules[0].overrides[1].until: the override ends before it starts',
      'vigil.yaml:21:19: oncall.schedules[0].overrides[2].user: no user named "dora" under oncall.users',
      'vigil.yaml:26:25: oncall.policies[1].steps[0].users[0]: no user named "eve" under oncall.users',
      'vigil.yaml:26:43: oncall.policies[1].steps[1].policy: policies loop: a → b → a',
      'vigil.yaml:28:27: oncall.policies[2].steps[0].schedule: no schedule named "nope" under oncall.schedules',
      'vigil.yaml:28:48: oncall.policies[2].steps[1].channels[0]: no channel named "nowhere"',
    ]);
  });

  it('refuses a policy that matches beside a route tree', () => {
    const text = base(
      `  policies:
    - { name: night, match: { severity: critical }, steps: [{ users: [ana] }] }`,
      'route: { receiver: team }',
    );
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(/oncall.policies\[0\].match: a policy cannot match when a route tree is given$/),
    ]);
  });

  it('checks a contact address with its provider', () => {
    const text = `
notify:
  - name: team
    webhook: { url: "http://127.0.0.1:9/hook" }
oncall:
  users:
    - { name: ana, contacts: [{ channel: team, to: "#ana" }] }
`;
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(/oncall.users\[0\].contacts\[0\].to: webhook channels reach one place/),
    ]);
    const phone = `
notify:
  - name: phone
    ntfy: { topic: ops }
oncall:
  users:
    - { name: ana, contacts: [{ channel: phone, to: ana-pager }] }
    - { name: ben, contacts: [{ channel: phone, to: "ben's phone" }] }
`;
    expect(problemsOf(phone)).toEqual([
      expect.stringMatching(
        /oncall.users\[1\].contacts\[0\].to: not a ntfy topic: an ntfy topic is 1–64 letters/,
      ),
    ]);
  });
});

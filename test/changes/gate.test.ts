import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gate } from '../../src/changes/gate.js';
import {
  availability,
  scheduledMaintenance,
  syncMaintenanceSilences,
} from '../../src/changes/maintenance.js';
import { planChange } from '../../src/changes/records.js';
import { parseConfig } from '../../src/config/loader.js';
import type { VigilConfig } from '../../src/config/schema.js';
import { VigilError } from '../../src/errors.js';
import { alertFingerprint } from '../../src/notify/fingerprint.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testDatabases } from '../store/databases.js';

const configText = `
checks:
  - { name: api-http, http: { url: "http://127.0.0.1:1/" }, labels: { service: api } }
  - { name: web-http, http: { url: "http://127.0.0.1:1/" }, labels: { service: web } }
  - { name: db, tcp: { host: 127.0.0.1, port: 1 }, labels: { service: api } }
changes:
  timezone: Europe/Berlin
  windows:
    - { name: weeknights, allow: { cron: "0 22 * * 1-4", duration: 4h } }
  freezes:
    - { name: holidays, from: 2026-12-20, until: 2027-01-04 }
  require: { rollback_plan: REQUIRE }
  maintenance:
    - name: db-upgrade
      title: Database upgrade
      from: 2026-12-01T03:00
      until: 2026-12-01T05:00
      silence: ['check="db"']
      checks: [db]
`;
const load = (requirePlan: boolean): VigilConfig =>
  parseConfig(configText.replace('REQUIRE', String(requirePlan)), 'vigil.yaml', {}).config;

// Thursday 2026-11-26, 22:30 Berlin (21:30Z): inside weeknights.
const inWindow = Date.parse('2026-11-26T21:30:00Z');
// Friday 2026-11-27 12:00Z: outside; the next opening is Monday 22:00 Berlin.
const outside = Date.parse('2026-11-27T12:00:00Z');
// Wednesday 2026-12-23 22:30 Berlin: in the window, but frozen.
const frozen = Date.parse('2026-12-23T21:30:00Z');

const plan = {
  target: 'v1.4.2',
  steps: ['echo deploy v1.4.2'],
  data: 'no schema change',
  verify: ['true'],
  owner: 'alice',
  budget: '15m',
};

describe.each(testDatabases)('the gate on $name', (database) => {
  let store: Store;
  let drop: () => Promise<void>;
  const config = load(false);
  beforeAll(async () => {
    const db = await database.create();
    drop = db.drop;
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });
  beforeEach(async () => {
    await store.db.deleteFrom('alert_transitions').execute();
    await store.db.deleteFrom('incidents').execute();
  });

  const fire = (at: number, to: string, labels: Record<string, string>) =>
    store.alerts.insertTransitions([
      {
        at,
        rule: labels.alertname!,
        group: 'g',
        fingerprint: JSON.stringify(labels),
        labels,
        from: to === 'firing' ? 'pending' : 'firing',
        to,
        value: 1,
        reason: 'test',
      },
    ]);

  it('allows inside a window and says which time it used', async () => {
    const d = await gate(store, config, { service: 'api' }, inWindow);
    expect(d).toMatchObject({
      allowed: true,
      reasons: [],
      decided_at: '2026-11-26T21:30:00.000Z',
      evaluated_at: '2026-11-26T21:30:00.000Z',
      next_open_at: null,
      service: 'api',
      allowed_by: {
        kind: 'window',
        name: 'weeknights',
        until: '2026-11-27T01:00:00.000Z',
        message: 'inside allow window "weeknights" until 2026-11-27T01:00:00.000Z',
      },
    });
  });

  it('denies outside every allow window, with next_open_at and the window that opens then', async () => {
    const d = await gate(store, config, { service: 'api' }, outside);
    expect(d.allowed).toBe(false);
    expect(d.allowed_by).toBeNull();
    expect(d.reasons).toEqual([
      {
        kind: 'outside_allow',
        name: 'weeknights',
        until: '2026-11-30T21:00:00.000Z',
        message: 'outside every allow window; the next, "weeknights", opens at 2026-11-30T21:00:00.000Z',
      },
    ]);
    expect(d.next_open_at).toBe('2026-11-30T21:00:00.000Z');
  });

  it('says what allowed a change where no window applies', async () => {
    const open = parseConfig('checks: []\n', 'vigil.yaml', {}).config;
    const d = await gate(store, open, {}, outside);
    expect(d.allowed_by).toEqual({
      kind: 'no_windows',
      message: 'no window or freeze applies to this change',
    });
  });

  it('denies during a freeze, naming it, and opens after it', async () => {
    const d = await gate(store, config, { service: 'api' }, frozen);
    expect(d.allowed).toBe(false);
    expect(d.reasons).toEqual([
      expect.objectContaining({ kind: 'freeze', name: 'holidays', until: '2027-01-04T23:00:00.000Z' }),
    ]);
    // Monday 4 January's window (22:00-02:00 Berlin) is still open when the freeze ends at midnight.
    expect(d.next_open_at).toBe('2027-01-04T23:00:00.000Z');
  });

  it('denies when a critical alert fires for the service (through its check), not for another', async () => {
    await fire(inWindow - 60_000, 'firing', {
      alertname: 'ServiceDown',
      check: 'api-http',
      severity: 'critical',
    });
    await fire(inWindow - 60_000, 'firing', { alertname: 'HighCPU', check: 'api-http', severity: 'warning' });
    const api = await gate(store, config, { service: 'api' }, inWindow);
    expect(api.allowed).toBe(false);
    expect(api.reasons).toEqual([expect.objectContaining({ kind: 'alert', name: 'ServiceDown' })]);
    expect(api.next_open_at).toBeNull();
    expect((await gate(store, config, { service: 'web' }, inWindow)).allowed).toBe(true);
    // an alert's own service label counts too
    await fire(inWindow - 60_000, 'firing', { alertname: 'Errors', service: 'web', severity: 'critical' });
    expect((await gate(store, config, { service: 'web' }, inWindow)).allowed).toBe(false);
  });

  it('allows again once the alert resolved', async () => {
    const labels = { alertname: 'ServiceDown', check: 'api-http', severity: 'critical' };
    await fire(inWindow - 120_000, 'firing', labels);
    await fire(inWindow - 60_000, 'inactive', labels);
    expect((await gate(store, config, { service: 'api' }, inWindow)).allowed).toBe(true);
  });

  it('decides alerts only for the present: --at in the future looks at windows alone', async () => {
    await fire(outside - 60_000, 'firing', {
      alertname: 'ServiceDown',
      check: 'api-http',
      severity: 'critical',
    });
    const d = await gate(store, config, { service: 'api', at: Date.parse('2026-11-30T21:30:00Z') }, outside);
    expect(d.allowed).toBe(true);
    expect(d.decided_at).toBe('2026-11-27T12:00:00.000Z');
    expect(d.evaluated_at).toBe('2026-11-30T21:30:00.000Z');
  });

  it('denies while an incident is open', async () => {
    const i = await store.incidents.open({
      key: 'k',
      title: 'API down',
      severity: 'critical',
      alert: 'f',
      at: inWindow - 1,
    });
    const d = await gate(store, config, { service: 'api' }, inWindow);
    expect(d.reasons).toEqual([expect.objectContaining({ kind: 'incident', name: String(i.id) })]);
    await store.incidents.resolve(i.id, 'bob', inWindow);
    expect((await gate(store, config, { service: 'api' }, inWindow)).allowed).toBe(true);
  });

  it("an incident whose alerts are another service's does not deny this one", async () => {
    const labels = { alertname: 'ServiceDown', check: 'web-http', severity: 'critical' };
    await fire(inWindow - 60_000, 'firing', labels);
    await store.incidents.open({
      key: 'web',
      title: 'web down',
      severity: 'critical',
      alert: alertFingerprint(labels),
      at: inWindow - 30_000,
    });
    const api = await gate(store, config, { service: 'api' }, inWindow);
    expect(api.allowed).toBe(true);
    const web = await gate(store, config, { service: 'web' }, inWindow);
    expect(web.reasons.map((r) => r.kind).sort()).toEqual(['alert', 'incident']);
    // without a service every incident counts
    expect((await gate(store, config, {}, inWindow)).reasons.map((r) => r.kind)).toContain('incident');
  });

  it('an unknown service is bad input', async () => {
    await expect(gate(store, config, { service: 'nope' }, inWindow)).rejects.toMatchObject({
      code: 'SERVICE_NOT_FOUND',
      exitCode: 2,
    });
  });

  it('requires a rollback plan when configured', async () => {
    const strict = load(true);
    const d = await gate(store, strict, { service: 'api' }, inWindow);
    expect(d.reasons.map((r) => r.kind)).toEqual(['rollback_plan']);
    const c = await planChange(
      { store, config: strict },
      { title: 'v1.5', service: 'api', at: inWindow, rollback: plan, createdBy: 'alice' },
      inWindow - 3_600_000,
    );
    const ok = await gate(store, strict, { change: c.id }, inWindow);
    expect(ok).toMatchObject({ allowed: true, change: c.id, service: 'api' });
    expect((await store.changes.timeline(c.id)).map((e) => e.kind)).toEqual(['planned', 'gate']);
    await expect(gate(store, strict, { change: 999_999 }, inWindow)).rejects.toMatchObject({
      code: 'CHANGE_NOT_FOUND',
    });
  });

  it('an override allows, keeps the reasons and is recorded', async () => {
    const d = await gate(
      store,
      config,
      { service: 'api', override: { reason: 'security fix', by: 'carol', via: 'token' } },
      frozen,
    );
    expect(d).toMatchObject({ allowed: true, override: { by: 'carol', reason: 'security fix' } });
    expect(d.reasons[0]!.kind).toBe('freeze');
    const [o] = await store.changes.overrides();
    expect(o).toMatchObject({
      changeId: null,
      actor: 'carol',
      text: 'gate overridden by carol: security fix',
    });
    expect((o!.data as { reasons: unknown[] }).reasons).toHaveLength(1);
    await expect(
      gate(store, config, { service: 'api', override: { reason: ' ', by: 'carol', via: 'token' } }, frozen),
    ).rejects.toBeInstanceOf(VigilError);
  });

  it('maintenance silences its matchers once and is listed for the status page without internals', async () => {
    const before = Date.parse('2026-11-30T12:00:00Z');
    expect(await syncMaintenanceSilences(store, config, before)).toBe(1);
    expect(await syncMaintenanceSilences(store, config, before + 60_000)).toBe(0);
    const [s] = (await store.silences.list(before)).filter((x) => x.createdBy === 'vigil:maintenance');
    expect(s).toMatchObject({
      startsAt: Date.parse('2026-12-01T02:00:00Z'),
      endsAt: Date.parse('2026-12-01T04:00:00Z'),
      matchers: [{ name: 'check', type: '=', value: 'db' }],
    });
    expect(scheduledMaintenance(config, before)).toEqual([
      {
        name: 'db-upgrade',
        title: 'Database upgrade',
        starts_at: '2026-12-01T02:00:00.000Z',
        ends_at: '2026-12-01T04:00:00.000Z',
        in_progress: false,
      },
    ]);
  });

  it('availability counts maintenance separately', async () => {
    const start = Date.parse('2026-12-01T01:00:00Z');
    const results = Array.from({ length: 8 }, (_, i) => ({
      check: 'db',
      kind: 'tcp',
      // 01:00, 01:30, … 04:30: runs 2-5 fall in the 02:00-04:00 maintenance
      status: (i >= 2 && i <= 5) || i === 7 ? ('critical' as const) : ('ok' as const),
      message: '',
      startedAt: start + i * 30 * 60_000,
      durationMs: 5,
      samples: [],
    }));
    await store.record(results);
    const a = await availability(store, config, 'db', start, start + 4 * 3_600_000);
    expect(a).toMatchObject({ up: 3, down: 1, maintenance: 4, ratio_excluding_maintenance: 0.75 });
    expect(a.ratio_including_maintenance).toBeCloseTo(3 / 8);
  });
});

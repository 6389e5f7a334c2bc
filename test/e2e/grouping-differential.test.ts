import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Received, startReceiver } from '../notify/receiver.js';
import { apiToken, startVigil } from './spawn.js';

/**
 * The same alert timelines fed to a real Alertmanager (0.25, Debian) and to
 * Vigil, with the same route (group_by alertname, group_wait 1s,
 * group_interval 2s, repeat_interval 3s: not a multiple of group_interval, see the README) and one webhook receiver: what each
 * sends must agree in number of notifications, firing and resolved sets, and
 * timing within `toleranceMs`. Every timeline has its own alertname (its own
 * group), so all run at once and the whole test takes ~15 s.
 */
const alertmanagerBin = ['prometheus-alertmanager', 'alertmanager'].find(
  (b) => spawnSync(b, ['--version']).status === 0,
);
const missing = !alertmanagerBin;
if (missing && process.env.CI !== 'true') console.warn('skipped: prometheus-alertmanager is not installed');

/** Less than group_interval: a notification a tick late or early is a difference. */
const toleranceMs = 1200;

type Step = { at: number; fire?: string[]; resolve?: string[] };
interface Timeline {
  name: string;
  why: string;
  steps: Step[];
  silenced?: true;
}

const timelines: Timeline[] = [
  {
    name: 'T1',
    why: 'one alert fires, then resolves',
    steps: [
      { at: 0, fire: ['a'] },
      { at: 3500, resolve: ['a'] },
    ],
  },
  {
    name: 'T2',
    why: 'a second alert joins an already-notified group, then both resolve',
    steps: [
      { at: 0, fire: ['a'] },
      { at: 2000, fire: ['b'] },
      { at: 5000, resolve: ['a', 'b'] },
    ],
  },
  {
    name: 'T3',
    why: 'two alerts fire together: one notification',
    steps: [
      { at: 0, fire: ['a', 'b'] },
      { at: 3500, resolve: ['a', 'b'] },
    ],
  },
  {
    name: 'T4',
    why: 'one of two resolves: the group is sent with one firing and one resolved',
    steps: [
      { at: 0, fire: ['a', 'b'] },
      { at: 2500, resolve: ['b'] },
      { at: 5500, resolve: ['a'] },
    ],
  },
  {
    name: 'T5',
    why: 'fires and resolves within group_wait: nothing is sent',
    steps: [
      { at: 0, fire: ['a'] },
      { at: 300, resolve: ['a'] },
    ],
  },
  {
    name: 'T6',
    why: 'silenced before it fires: nothing is sent',
    silenced: true,
    steps: [
      { at: 0, fire: ['a'] },
      { at: 3000, resolve: ['a'] },
    ],
  },
  {
    name: 'T7',
    why: 'keeps firing past repeat_interval: sent again',
    steps: [
      { at: 0, fire: ['a'] },
      { at: 7500, resolve: ['a'] },
    ],
  },
  {
    name: 'T8',
    why: 'a second alert joins within group_wait: one notification with both',
    steps: [
      { at: 0, fire: ['a'] },
      { at: 400, fire: ['b'] },
      { at: 3500, resolve: ['a', 'b'] },
    ],
  },
  {
    name: 'T9',
    why: 'the second alert of a notified group resolves alone, then fires again',
    steps: [
      { at: 0, fire: ['a', 'b'] },
      { at: 2500, resolve: ['b'] },
      { at: 4500, fire: ['b'] },
      { at: 7000, resolve: ['a', 'b'] },
    ],
  },
];

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Seen {
  at: number;
  firing: string[];
  resolved: string[];
}

/** Per group (alertname): each notification's offset from the timeline's start, and its alert sets. */
function byGroup(received: Received[], arrived: Map<Received, number>, t0: number): Map<string, Seen[]> {
  const out = new Map<string, Seen[]>();
  for (const r of received) {
    const name = r.body.groupLabels.alertname as string;
    const ids = (status: string) =>
      (r.body.alerts as { status: string; labels: { id: string } }[])
        .filter((a) => a.status === status)
        .map((a) => a.labels.id)
        .sort();
    const list = out.get(name) ?? [];
    list.push({ at: arrived.get(r)! - t0, firing: ids('firing'), resolved: ids('resolved') });
    out.set(name, list);
  }
  return out;
}

describe.skipIf(missing && process.env.CI !== 'true')('grouping: Vigil against a real Alertmanager', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-grouping-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it(`agrees on ${timelines.length} timelines`, async () => {
    const arrived = new Map<Received, number>();
    const hook = await startReceiver((r) => {
      arrived.set(r, Date.now());
      return 200;
    });
    const amPort = await freePort();
    const am = `http://127.0.0.1:${amPort}`;
    writeFileSync(
      path.join(dir, 'am.yml'),
      `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 3s
receivers:
  - name: hook
    webhook_configs: [ { url: "${hook.url}/am", send_resolved: true } ]
`,
    );
    children.push(
      spawn(
        alertmanagerBin!,
        [
          `--config.file=${path.join(dir, 'am.yml')}`,
          `--storage.path=${path.join(dir, 'am-data')}`,
          `--web.listen-address=127.0.0.1:${amPort}`,
          '--cluster.listen-address=',
        ],
        { stdio: 'ignore' },
      ),
    );
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: sqlite:${path.join(dir, 'vigil.db')}
notify:
  - name: hook
    webhook: { url: "${hook.url}/vigil", alertmanager_compatible: true }
    group_by: [alertname]
    group_wait: 1s
    group_interval: 2s
    repeat_interval: 3s
incidents: { enabled: false }
`,
    );
    const token = await apiToken(config);
    const vigil = startVigil(config, {}, children);
    const url = await vigil.url;
    for (;;) {
      if (
        await fetch(`${am}/-/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const far = new Date(Date.now() + 3_600_000).toISOString();
    for (const t of timelines.filter((x) => x.silenced)) {
      const matcher = { name: 'alertname', value: t.name, isRegex: false, isEqual: true };
      const am201 = await fetch(`${am}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          matchers: [matcher],
          startsAt: new Date().toISOString(),
          endsAt: far,
          createdBy: 't',
          comment: 'test',
        }),
      });
      expect(am201.ok).toBe(true);
      const v201 = await fetch(`${url}/api/v1/silences`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ matchers: [`alertname="${t.name}"`], duration: '1h', comment: 'test' }),
      });
      expect(v201.status).toBe(201);
    }

    const post = (alerts: object[]) =>
      Promise.all([
        fetch(`${am}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(alerts),
        }),
        fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: auth, body: JSON.stringify(alerts) }),
      ]).then((rs) => expect(rs.map((r) => r.status)).toEqual([200, 200]));

    const events = timelines.flatMap((t) => t.steps.map((s) => ({ t, s }))).sort((a, b) => a.s.at - b.s.at);
    const t0 = Date.now() + 300;
    const started = new Map<string, string>();
    for (const { t, s } of events) {
      const wait = t0 + s.at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const now = new Date().toISOString();
      // As Prometheus sends them: startsAt is when the alert began firing, on every resend and on the resolve.
      for (const id of s.fire ?? []) started.set(`${t.name}/${id}`, now);
      const alert = (id: string, endsAt: string) => ({
        labels: { alertname: t.name, id },
        annotations: {},
        startsAt: started.get(`${t.name}/${id}`),
        endsAt,
      });
      await post([
        ...(s.fire ?? []).map((id) => alert(id, far)),
        ...(s.resolve ?? []).map((id) => alert(id, now)),
      ]);
    }
    const last = Math.max(...events.map((e) => e.s.at));
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + last + 4500 - Date.now())));

    const am_ = byGroup(
      hook.accepted.filter((r) => r.path === '/am'),
      arrived,
      t0,
    );
    const vg = byGroup(
      hook.accepted.filter((r) => r.path === '/vigil'),
      arrived,
      t0,
    );
    for (const t of timelines) {
      const a = am_.get(t.name) ?? [];
      const v = vg.get(t.name) ?? [];
      const story = `${t.name} (${t.why})\n alertmanager: ${JSON.stringify(a)}\n vigil:        ${JSON.stringify(v)}`;
      expect(v.length, story).toBe(a.length);
      for (let i = 0; i < a.length; i++) {
        expect({ firing: v[i]!.firing, resolved: v[i]!.resolved }, story).toEqual({
          firing: a[i]!.firing,
          resolved: a[i]!.resolved,
        });
        expect(Math.abs(v[i]!.at - a[i]!.at), story).toBeLessThanOrEqual(toleranceMs);
      }
    }
    await hook.close();
  }, 60_000);
});

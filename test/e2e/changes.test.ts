import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { slackAnswer, startReceiver } from '../notify/receiver.js';
import { apiToken, authed, eventually, startVigil } from './spawn.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('a planned change with `vigil up`', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-changes-e2e-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('announces plan, start and finish to Slack; the gate allows in the window, denies in a freeze and on a critical alert', async () => {
    const slack = await startReceiver(slackAnswer);
    const pager = await startReceiver();
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: sqlite:${path.join(dir, 'vigil.db')}
evaluation_interval: 1s
checks:
  - name: api
    command: { run: "exit 2" }
    every: 1s
    labels: { service: api }
alerts:
  - name: ServiceDown
    condition: up{check="api"} == 0
    severity: critical
notify:
  - name: team
    slack: { url: "${slack.url}/services/T0/B0/x" }
    match: { channel: announcements-only }
  - name: pager
    webhook: { url: "${pager.url}/hook" }
    match: { severity: critical }
    group_wait: 0s
changes:
  services: [api, web]
  windows:
    - { name: always, allow: { cron: "0 * * * *", duration: 1h } }
  freezes:
    - { name: far-holidays, from: 2099-12-20, until: 2099-12-31 }
  require: { rollback_plan: true }
  announce: [team]
notifications:
  retry: { initial: 200ms, max: 2s }
`,
    );
    const vigil = startVigil(config, {}, children);
    const url = await vigil.url;
    const api = authed(await apiToken(config));
    const post = (p: string, body: unknown) =>
      api(`${url}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    try {
      const planned = await post('/api/v1/changes', {
        title: 'web v2',
        service: 'web',
        version: 'v2.0.0',
        at: new Date(Date.now() + 60_000).toISOString(),
        rollback: {
          target: 'v1.9.0',
          steps: ['./deploy v1.9.0'],
          data: 'none',
          verify: ['true'],
          owner: 'ann',
          budget: '10m',
        },
      });
      expect(planned.status).toBe(201);
      const id = ((await planned.json()) as { id: number }).id;
      await slack.until(1);

      const gate = await post('/api/v1/changes/gate', { change: id });
      expect(gate.status).toBe(200);
      expect(await gate.json()).toMatchObject({ allowed: true, service: 'web', reasons: [] });

      expect((await post(`/api/v1/changes/${id}/start`, {})).status).toBe(200);
      await slack.until(2);
      expect((await post(`/api/v1/changes/${id}/finish`, { status: 'ok' })).status).toBe(200);
      await slack.until(3);
      expect(slack.accepted.map((r) => r.body.text)).toEqual([
        `Planned change #${id}: web v2`,
        `Change #${id} started: web v2`,
        `Change #${id} finished: web v2`,
      ]);
      expect(slack.accepted[0]!.body.blocks[1].text.text).toContain('rollback owner: ann, back to v1.9.0');
      expect(slack.accepted[0]!.body.blocks.at(-1).elements[0].text).toBe('change.planned · Vigil');

      const frozen = await post('/api/v1/changes/gate', { change: id, at: '2099-12-24T12:00:00Z' });
      expect(frozen.status).toBe(409);
      expect(await frozen.json()).toMatchObject({
        allowed: false,
        reasons: [{ kind: 'freeze', name: 'far-holidays' }],
      });

      // the api check fails every second: once ServiceDown fires, the gate denies api (and not web)
      const denied = await eventually(
        async () =>
          (await post('/api/v1/changes/gate', { service: 'api' })).json() as Promise<{
            allowed: boolean;
            reasons: { kind: string; name?: string }[];
          }>,
        (d) => !d.allowed,
        30_000,
      );
      expect(denied.reasons).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'alert', name: 'ServiceDown' }),
          expect.objectContaining({ kind: 'rollback_plan' }),
        ]),
      );
      // the incident ServiceDown opened is api's: web's gate stays open
      const web = (await (await post('/api/v1/changes/gate', { change: id })).json()) as { allowed: boolean };
      expect(web.allowed).toBe(true);

      // deploy markers for the dashboard
      const markers = (await (await api(`${url}/api/v1/changes?service=web`)).json()) as {
        changes: { id: number; started_at: string; finished_at: string }[];
      };
      expect(markers.changes).toEqual([
        expect.objectContaining({ id, started_at: expect.any(String), finished_at: expect.any(String) }),
      ]);
      expect(slack.accepted).toHaveLength(3);
    } finally {
      vigil.child.kill('SIGTERM');
      await vigil.exit;
      await slack.close();
      await pager.close();
    }
  }, 60_000);
});

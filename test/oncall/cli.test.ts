import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/store.js';
import { captureIo } from '../cli/io.js';

describe('vigil oncall and vigil subscribers', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-oncall-'));
  const file = path.join(dir, 'vigil.yaml');
  writeFileSync(
    file,
    `storage: sqlite:${path.join(dir, 'vigil.db')}
notify:
  - name: mail
    email: { host: 127.0.0.1, port: 9, security: none, from: vigil@example.com, to: ops@example.com }
oncall:
  users:
    - { name: ana, display_name: Ana, contacts: [{ channel: mail, to: ana@example.com }] }
    - { name: ben, display_name: Ben, contacts: [{ channel: mail, to: ben@example.com }] }
  schedules:
    - name: primary
      timezone: Europe/Berlin
      layers: [{ rotation: [ana, ben], shift: weekly, start: 2026-11-02, handoff: "09:00" }]
      overrides: [{ user: ana, from: 2026-12-08T09:00, until: 2026-12-09T09:00 }]
`,
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (...args: string[]) => {
    const c = captureIo(dir);
    const code = await main(['node', 'vigil', ...args, '-c', file], c.io);
    return { code, out: c.stdout(), err: c.stderr() };
  };

  it('who is on call at a local time, and the shifts of two weeks', async () => {
    const who = await run('oncall', 'who', '--at', '2026-12-08T12:00', '--json');
    expect(who.code).toBe(0);
    expect(JSON.parse(who.out).oncall[0]).toMatchObject({
      user: 'ana',
      source: 'override',
      until: '2026-12-09T08:00:00.000Z',
    });
    const show = await run('oncall', 'show', 'primary', '--days', '14', '--from', '2026-12-01T00:00');
    expect(show.out.split('\n').slice(2)).toEqual([
      '2026-12-01 00:00 Tue  2026-12-07 09:00 Mon  Ana      layer-1',
      '2026-12-07 09:00 Mon  2026-12-08 09:00 Tue  Ben      layer-1',
      '2026-12-08 09:00 Tue  2026-12-09 09:00 Wed  Ana      override',
      '2026-12-09 09:00 Wed  2026-12-14 09:00 Mon  Ben      layer-1',
      '2026-12-14 09:00 Mon  2026-12-15 00:00 Tue  Ana      layer-1',
    ]);
    expect((await run('oncall', 'show', 'nope')).code).toBe(2);
  });

  it('exports and removes a subscriber on request', async () => {
    const store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
    await store.status.subscribe({
      id: 's1',
      kind: 'email',
      address: 'ana@example.com',
      createdAt: 0,
      confirmed: true,
    });
    await store.status.subscribe({
      id: 's2',
      kind: 'email',
      address: 'ben@example.com',
      createdAt: 0,
      confirmed: false,
    });
    await store.close();
    const one = await run('subscribers', 'export', '--address', 'ANA@example.com');
    expect(JSON.parse(one.out).subscribers).toEqual([
      {
        id: 's1',
        kind: 'email',
        address: 'ana@example.com',
        created_at: '1970-01-01T00:00:00Z',
        confirmed_at: '1970-01-01T00:00:00Z',
      },
    ]);
    expect(await run('subscribers', 'remove', 'ana@example.com')).toMatchObject({
      code: 0,
      out: 'removed 1 subscriber',
    });
    expect((await run('subscribers', 'remove', 'ana@example.com')).code).toBe(2);
    expect(
      JSON.parse((await run('subscribers', 'export')).out).subscribers.map((s: { id: string }) => s.id),
    ).toEqual(['s2']);
  });
});

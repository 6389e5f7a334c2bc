import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/store.js';
import { captureIo } from './io.js';

function project() {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-notify-cli-'));
  writeFileSync(path.join(dir, 'vigil.yaml'), `storage: sqlite:${path.join(dir, 'vigil.db')}\n`);
  return dir;
}

async function run(dir: string, ...argv: string[]) {
  const c = captureIo(dir, { USER: 'ana' });
  const code = await main(['node', 'vigil', ...argv, '--config', path.join(dir, 'vigil.yaml')], c.io);
  return { code, out: c.stdout(), err: c.stderr() };
}

describe('vigil silence', () => {
  it('adds, lists and expires a silence', async () => {
    const dir = project();
    const added = await run(
      dir,
      'silence',
      'add',
      'alertname=DiskFull',
      'instance=~"db.*"',
      '-d',
      '2h',
      '-m',
      'resizing the volume',
      '--json',
    );
    expect(added.code).toBe(0);
    const s = JSON.parse(added.out);
    expect(s).toMatchObject({
      matchers: ['alertname="DiskFull"', 'instance=~"db.*"'],
      state: 'active',
      createdBy: 'ana',
      comment: 'resizing the volume',
      remaining: '2h',
    });

    const list = await run(dir, 'silence', 'list');
    expect(list.out).toContain(s.id);
    expect(list.out).toContain('alertname="DiskFull" instance=~"db.*"');

    expect((await run(dir, 'silence', 'expire', s.id)).code).toBe(0);
    expect((await run(dir, 'silence', 'list')).out).toBe('no active or pending silences');
    const again = await run(dir, 'silence', 'expire', s.id);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already ended/);
  });

  it('refuses bad input with a usage error', async () => {
    const dir = project();
    const cases: [string[], RegExp][] = [
      [['alertname=X', '-m', 'x', '-d', 'soon'], /not a duration/],
      [['alertname=X'], /needs a comment/],
      [['alertname=~".*"', '-m', 'x'], /match every alert/],
      [['alertname=~"("', '-m', 'x'], /bad regular expression/],
      [['just-text', '-m', 'x'], /not a matcher/],
    ];
    for (const [args, message] of cases) {
      const r = await run(dir, 'silence', 'add', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
    const missing = await run(dir, 'silence', 'expire', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no silence nope \[NOT_FOUND\]/);
  });
});

describe('vigil incident', () => {
  it('lists, shows, acknowledges and resolves an incident', async () => {
    const dir = project();
    const store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
    const opened = Date.now() - 600_000;
    const i = await store.incidents.open({
      key: 'alertname=ServiceDown',
      title: 'ServiceDown: api is down',
      severity: 'critical',
      alert: 'abc',
      at: opened,
    });
    await store.close();

    const list = await run(dir, 'incident', 'list');
    expect(list.out).toMatch(new RegExp(`^${i.id}\\s+open\\s+critical`, 'm'));
    const ack = await run(dir, 'incident', 'ack', String(i.id));
    expect(ack.code).toBe(0);
    expect(ack.out).toMatch(/acknowledged by ana after 10m/);
    expect((await run(dir, 'incident', 'ack', String(i.id))).err).toMatch(/already acknowledged/);
    expect((await run(dir, 'incident', 'resolve', String(i.id), '--by', 'bo')).out).toMatch(/resolved by bo/);
    const show = await run(dir, 'incident', 'show', String(i.id), '--json');
    expect(JSON.parse(show.out).timeline.map((e: { kind: string }) => e.kind)).toEqual([
      'opened',
      'acknowledged',
      'resolved',
    ]);
    const json = JSON.parse((await run(dir, 'incident', 'list', '--all', '--json')).out);
    expect(json.last30d).toMatchObject({ count: 1, open: 0 });
    expect(json.last30d.mttaMs).toBeGreaterThanOrEqual(600_000);
    expect((await run(dir, 'incident', 'show', 'x')).code).toBe(2);
  });

  it('vigil notifications prints an empty outbox', async () => {
    const dir = project();
    const r = await run(dir, 'notifications');
    expect(r).toMatchObject({ code: 0, out: 'no notifications' });
  });
});

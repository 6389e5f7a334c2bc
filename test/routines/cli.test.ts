import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/store.js';
import { captureIo } from '../cli/io.js';

describe('vigil routine run | runs | show | signoff, vigil baseline, vigil maintenance', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-routine-cli-'));
  const config = path.join(dir, 'vigil.yaml');
  const db = `sqlite:${path.join(dir, 'vigil.db')}`;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    writeFileSync(
      config,
      `storage: ${db}
checks:
  - name: api
    tcp: { host: 127.0.0.1, port: 9 }
maintenance:
  - name: cleanup
    command: "echo done"
    cron: "0 4 * * *"
routines:
  - name: daily
    cron: "0 8 * * *"
    steps:
      - checks: "*"
      - name: look
        manual: { text: "Look at the dashboards", checklist: [latency] }
`,
    );
    const store = await openStore(db);
    for (const role of ['viewer', 'operator'] as const)
      tokens[role] = (
        await createToken(store, { name: `t-${role}`, owner: 'test', role, expiresAt: null }, Date.now())
      ).token;
    await store.record([
      {
        check: 'api',
        kind: 'tcp',
        status: 'critical',
        message: 'refused',
        startedAt: Date.now() - 1000,
        durationMs: 12,
        samples: [],
      },
    ]);
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const c = captureIo(dir, { USER: 'ana', ...env });
    const code = await main(['node', 'vigil', ...args, '--config', config], c.io);
    return { code, out: c.stdout(), err: c.stderr() };
  };

  it('runs a routine, lists it as waiting, and closes it with a sign-off', async () => {
    const r = await run(['routine', 'run', 'daily']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('## ⚠️ Checks — NEEDS ATTENTION');
    expect(r.out).toContain('- ⚠️ api: critical (refused');
    expect(r.err).toMatch(
      /^run daily@\S+ waits for sign-off: vigil routine signoff daily@\S+ <step> --note "…"$/,
    );
    const id = /run (daily@\S+) waits/.exec(r.err)![1]!;

    const runs = await run(['routine', 'runs']);
    expect(runs.out.split('\n')[0]).toMatch(/^RUN\s+STATUS\s+STARTED\s+ATTENTION\s+WAITING FOR SIGN-OFF$/);
    expect(runs.out).toMatch(new RegExp(`${id}\\s+open\\s+\\S+\\s+1\\s+look`));

    const viewer = await run(['routine', 'signoff', 'daily', 'look'], { VIGIL_TOKEN: tokens.viewer! });
    expect(viewer).toMatchObject({ code: 2 });
    expect(viewer.err).toContain('[FORBIDDEN]');

    const signed = await run(['routine', 'signoff', 'daily', 'look', '--note', 'latency fine'], {
      VIGIL_TOKEN: tokens.operator!,
    });
    expect(signed).toMatchObject({
      code: 0,
      out: `step look of ${id} signed off by token:t-operator; the run is complete and its report will be delivered`,
    });

    const show = await run(['routine', 'show', id]);
    expect(show.out).toMatch(
      /2\s+look\s+OK\s+1 items to check, then sign off — signed off by token:t-operator/,
    );
    const again = await run(['routine', 'signoff', id, 'look']);
    expect(again.code).toBe(2);
    expect(again.err).toContain('[ROUTINE_SIGNOFF_REFUSED]');
    const html = await run(['routine', 'show', id, '--format', 'html']);
    expect(html.out).toContain('Signed off by token:t-operator at');
  });

  it('records a baseline and runs maintenance tasks', async () => {
    const b = await run(['baseline', 'set', 'api']);
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/^CHECK\s+P50\s+P95\s+RUNS\s+FROM\napi\s+12 ms\s+12 ms\s+1\s+/);
    expect((await run(['baseline', 'set', 'nope'])).err).toContain('[CHECK_NOT_FOUND]');
    const m = await run(['maintenance', 'run', 'cleanup']);
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/cleanup\s+ok\s+\d+ ms\s+done/);
    const list = await run(['maintenance', 'list']);
    expect(list.out).toMatch(/cleanup\s+command\s+0 4 \* \* \*\s+\S+\s+ok/);
    expect(list.out).toMatch(/vigil-store\s+store\s+30 3 \* \* \*\s+-/);
  });
});

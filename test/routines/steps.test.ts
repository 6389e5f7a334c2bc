import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { reportOf, runRoutine } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';

const now = Date.UTC(2026, 10, 27, 8);
const iso = (ms: number) => new Date(ms).toISOString();

describe('steps over what the store and the disk hold', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-steps-'));
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:', { now: () => now });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const loaded = (yaml: string) => {
    const file = path.join(dir, 'vigil.yaml');
    writeFileSync(file, yaml);
    return parseConfig(yaml, file, {});
  };

  it('checks: what changed since the last run', async () => {
    const l = loaded(`checks:
  - name: api
    tcp: { host: 127.0.0.1, port: 9 }
  - name: db
    tcp: { host: 127.0.0.1, port: 9 }
routines:
  - name: r
    cron: "0 8 * * *"
    steps: [{ checks: "*" }]
`);
    const rec = (check: string, status: 'ok' | 'critical', at: number) =>
      store.record([
        {
          check,
          kind: 'tcp',
          status,
          message: status === 'ok' ? 'connected' : 'refused',
          startedAt: at,
          durationMs: 1,
          samples: [],
        },
      ]);
    await rec('api', 'ok', now - 60_000);
    await rec('db', 'ok', now - 60_000);
    await runRoutine({ store, loaded: l }, l.config.routines[0]!, { now });
    await rec('db', 'critical', now + 3_600_000);
    const { run } = await runRoutine({ store, loaded: l }, l.config.routines[0]!, { now: now + 86_400_000 });
    const [s] = (await reportOf(store, run.id, now + 86_400_000)).steps;
    expect(s!.summary).toBe('1 of 2 checks ok; 1 changed since the last run');
    expect(s!.findings.map((f) => f.text)).toEqual([
      'api: ok (connected, 24 h ago)',
      'db: critical (was ok) (refused, 23 h ago)',
    ]);
  });

  it('logs: error counts and top messages since the last run', async () => {
    const log = path.join(dir, 'app.log');
    const line = (at: number, level: string, msg: string) => `${iso(at)} ${level} ${msg}\n`;
    writeFileSync(
      log,
      line(now - 3 * 86_400_000, 'ERROR', 'old failure before the window') +
        line(now - 3_600_000, 'ERROR', 'payment 4411 declined by gateway') +
        line(now - 3_000_000, 'ERROR', 'payment 4412 declined by gateway') +
        line(now - 2_000_000, 'INFO', 'all good') +
        line(now - 1_000_000, 'FATAL', 'out of memory'),
    );
    const l = loaded(`logs:
  - path: app.log
    rotate: { when: daily, keep: 7 }
routines:
  - name: logs-only
    cron: "0 8 * * *"
    steps: [{ logs: { top: 5 } }]
`);
    const { run } = await runRoutine({ store, loaded: l }, l.config.routines[0]!, { now });
    const [s] = (await reportOf(store, run.id, now)).steps;
    expect(s!.status).toBe('attention');
    expect(s!.summary).toMatch(
      /^2 error, 1 fatal in 1 file since 2026-11-26T08:00:00.000Z; 2 distinct messages$/,
    );
    expect(s!.findings.map((f) => f.text)).toEqual([
      '2× ERROR payment <n> declined by gateway',
      '1× FATAL out of memory',
    ]);
  });

  it('certificates: expiry from what the tls checks saw', async () => {
    const l = loaded(`checks:
  - name: site-tls
    tls: { host: example.com }
  - name: api-tls
    tls: { host: api.example.com }
routines:
  - name: certs
    cron: "0 8 * * 1"
    steps: [{ certificates: { within: 21d } }]
`);
    await store.record([
      {
        check: 'site-tls',
        kind: 'tls',
        status: 'ok',
        message: 'valid',
        startedAt: now - 60_000,
        durationMs: 30,
        samples: [
          {
            name: 'tls_cert_not_after_timestamp_seconds',
            labels: { check: 'site-tls' },
            value: (now + 10 * 86_400_000) / 1000,
          },
        ],
      },
    ]);
    const { run } = await runRoutine({ store, loaded: l }, l.config.routines[0]!, { now });
    const [s] = (await reportOf(store, run.id, now)).steps;
    expect(s!.findings.map((f) => [f.status, f.text])).toEqual([
      ['attention', 'site-tls: expires 2026-12-07, in 10 days'],
      ['attention', 'api-tls: no certificate seen in the last 7 days'],
    ]);
  });
});

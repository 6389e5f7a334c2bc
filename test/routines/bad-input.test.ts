import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { VigilError } from '../../src/errors.js';
import { reportOf, runRoutine, signOff } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testDatabases } from '../store/databases.js';

const now = Date.UTC(2026, 10, 27, 8);

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'vigil.yaml', {});
  } catch (e) {
    if (e instanceof VigilError) return e.problems.map((p) => `${p.where}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('bad input', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterAll(async () => {
    await store.close();
  });

  it('a routine naming an unknown check, channel or task is a config error at its line and column', () => {
    expect(
      problems(`checks:
  - name: api
    tcp: { host: 127.0.0.1, port: 9 }
notify:
  - name: team
    webhook: { url: "http://127.0.0.1:9/" }
routines:
  - name: daily
    cron: "0 8 * * *"
    steps:
      - checks: [api, apx]
      - performance: { checks: [ghost] }
      - maintenance: { tasks: [nightly] }
      - manual: one
      - manual: two
        name: manual
    report: { to: [team, taem] }
`),
    ).toEqual([
      'vigil.yaml:11:23: routines[0].steps[0].checks[1]: no check named "apx"',
      'vigil.yaml:12:33: routines[0].steps[1].performance.checks[0]: no check named "ghost"',
      'vigil.yaml:13:32: routines[0].steps[2].maintenance.tasks[0]: no maintenance task named "nightly"',
      'vigil.yaml:16:15: routines[0].steps[4].name: duplicate step name "manual"',
      'vigil.yaml:17:26: routines[0].report.to[1]: no channel named "taem"',
    ]);
    expect(problems('routines:\n  - name: d\n    cron: "0 8 * *"\n    steps: [{ checks: "*" }]\n')).toEqual([
      'vigil.yaml:3:11: routines[0].cron: a cron expression has 5 fields, not 4',
    ]);
  });

  it('a step that throws is failed with its message; the run and the report go on', async () => {
    const loaded = parseConfig(
      `checks:
  - name: api
    tcp: { host: 127.0.0.1, port: 9 }
routines:
  - name: daily
    cron: "0 8 * * *"
    steps:
      - checks: "*"
      - alerts: {}
`,
      'vigil.yaml',
      {},
    );
    const broken = {
      ...store,
      checks: {
        ...store.checks,
        all: async () => {
          throw new Error('disk I/O error');
        },
      },
    } as Store;
    const { run } = await runRoutine({ store: broken, loaded }, loaded.config.routines[0]!, { now });
    expect(run.status).toBe('done');
    const report = await reportOf(store, run.id, now);
    expect(report.steps.map((s) => [s.name, s.status, s.reason ?? ''])).toEqual([
      ['checks', 'failed', 'disk I/O error'],
      ['alerts', 'ok', ''],
    ]);
    expect(report.overall).toBe('failed');
  });

  it('a command printing 50 MB is cut with a marker, and the report stays small', async () => {
    const loaded = parseConfig(
      `routines:
  - name: noisy
    cron: "0 8 * * *"
    steps:
      - command: { run: "head -c 52428800 /dev/zero | tr '\\\\0' x; exit 1", max_output: 16KB }
`,
      'vigil.yaml',
      {},
    );
    const { run } = await runRoutine({ store, loaded }, loaded.config.routines[0]!, { now });
    const [step] = (await reportOf(store, run.id, now)).steps;
    expect(step!.status).toBe('attention');
    expect(step!.summary).toMatch(/^exit code 1 in /);
    const text = step!.findings[0]!.text;
    expect(text.slice(0, 16_000)).toBe('x'.repeat(16_000)); // 16KB is 16 000 bytes
    expect(text.slice(16_000)).toBe(`\n… [output truncated: ${52428800 - 16_000} more bytes not kept]`);
  });

  it('a sign-off for an unknown run or step, an automated step or a finished run is refused clearly', async () => {
    const loaded = parseConfig(
      `routines:
  - name: review
    cron: "0 8 * * *"
    steps:
      - alerts: {}
      - name: look
        manual: "Look"
`,
      'vigil.yaml',
      {},
    );
    const routine = loaded.config.routines[0]!;
    const first = (await runRoutine({ store, loaded }, routine, { now })).run;
    const by = { by: 'ana', note: null, at: now };
    await expect(signOff(store, 'review@1999', 'look', by)).rejects.toMatchObject({
      code: 'ROUTINE_RUN_NOT_FOUND',
    });
    await expect(signOff(store, first.id, 'lok', by)).rejects.toMatchObject({
      code: 'ROUTINE_STEP_NOT_FOUND',
      hint: 'steps: alerts, look',
    });
    await expect(signOff(store, first.id, 'alerts', by)).rejects.toMatchObject({
      code: 'ROUTINE_SIGNOFF_REFUSED',
      message: 'step "alerts" is automated (alerts); only manual steps are signed off',
    });
    // The next run closes the first one; its unsigned step is late in the new report.
    const second = (await runRoutine({ store, loaded }, routine, { now: now + 86_400_000 })).run;
    await expect(signOff(store, first.id, 'look', by)).rejects.toMatchObject({
      code: 'ROUTINE_SIGNOFF_REFUSED',
      message: `run ${first.id} is finished; its steps can no longer be signed off`,
    });
    const ok = await signOff(store, second.id, '2', { ...by, at: now + 86_400_000 + 60_000 });
    expect(ok).toMatchObject({ closed: true, step: { name: 'look', signedBy: 'ana' } });
  });

  it('a manual step past its due is flagged late in the next report', async () => {
    const loaded = parseConfig(
      `routines:
  - name: morning
    cron: "0 8 * * *"
    steps:
      - name: dashboards
        manual: "Review the dashboards"
        due: 2h
`,
      'vigil.yaml',
      {},
    );
    const routine = loaded.config.routines[0]!;
    const first = (await runRoutine({ store, loaded }, routine, { now })).run;
    const next = (await runRoutine({ store, loaded }, routine, { now: now + 86_400_000 })).run;
    const report = await reportOf(store, next.id, now + 86_400_000);
    expect(report.late).toEqual([
      { runId: first.id, routine: 'morning', step: 'dashboards', dueAt: now + 2 * 3_600_000 },
    ]);
    const old = await reportOf(store, first.id, now + 86_400_000);
    expect(old.steps[0]).toMatchObject({ status: 'pending', late: true });
  });
});

// Several nodes share PostgreSQL only; SQLite has one writer.
for (const db of testDatabases.filter((d) => d.name === 'postgres')) {
  describe(`a scheduled run written by two nodes at once (${db.name})`, () => {
    it('is stored once', async () => {
      const { url, drop } = await db.create();
      const a = await openStore(url);
      const b = await openStore(url);
      try {
        const loaded = parseConfig(
          'routines:\n  - name: d\n    cron: "0 8 * * *"\n    steps: [{ alerts: {} }]\n',
          'vigil.yaml',
          {},
        );
        const routine = loaded.config.routines[0]!;
        const [x, y] = await Promise.all([
          runRoutine({ store: a, loaded }, routine, { now, scheduledAt: now }),
          runRoutine({ store: b, loaded }, routine, { now: now + 5, scheduledAt: now }),
        ]);
        expect([x.created, y.created].sort()).toEqual([false, true]);
        expect(await a.routines.listRuns()).toHaveLength(1);
        expect((await b.routines.getRun('d@2026-11-27T08:00:00Z'))!.steps).toHaveLength(1);
      } finally {
        await a.close();
        await b.close();
        await drop();
      }
    });
  });
}

import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/runner.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';

const checkFrom = (yaml: string) => parseConfig(`checks:\n${yaml}`, 'v.yaml', {}).config.checks[0]!;
const deps = (clock: FakeClock) => ({
  clock,
  heartbeats: { last: async () => undefined },
  memo: () => ({}),
});

describe('check runner', () => {
  it('adds up and check_duration_seconds, with the check labels on every sample', async () => {
    const clock = new FakeClock();
    const check = checkFrom(`  - { name: t, command: { run: "echo 'fine | n=3'" }, labels: { team: ops } }`);
    const result = await runCheck(check, deps(clock));
    expect(result).toMatchObject({
      check: 't',
      kind: 'command',
      status: 'ok',
      message: 'fine',
      startedAt: clock.now(),
    });
    expect(result.samples).toEqual(
      expect.arrayContaining([
        { name: 'up', labels: { check: 't', team: 'ops' }, value: 1 },
        { name: 'check_duration_seconds', labels: { check: 't', team: 'ops' }, value: expect.any(Number) },
        { name: 'command_perfdata', labels: { check: 't', team: 'ops', label: 'n' }, value: 3 },
      ]),
    );
  });

  it('ends a run at its timeout on the clock it was given, and says so', async () => {
    const clock = new FakeClock();
    const check = checkFrom('  - { name: slow, command: { run: "sleep 30" }, timeout: 5s, every: 10s }');
    const pending = runCheck(check, deps(clock));
    await clock.advance(5000);
    const result = await pending;
    expect(result).toMatchObject({ status: 'critical', message: 'timed out after 5000ms' });
    expect(result.samples.find((s) => s.name === 'up')?.value).toBe(0);
  });

  it('stops a run when the daemon shuts down', async () => {
    const clock = new FakeClock();
    const check = checkFrom('  - { name: slow, command: { run: "sleep 30" }, timeout: 10s }');
    const shutdown = new AbortController();
    const pending = runCheck(check, deps(clock), shutdown.signal);
    shutdown.abort();
    expect((await pending).status).toBe('critical');
  });

  it('turns a heartbeat store failure into an unknown result, never an exception', async () => {
    const clock = new FakeClock();
    const check = checkFrom('  - { name: hb, heartbeat: { period: 1h } }');
    const result = await runCheck(check, {
      ...deps(clock),
      heartbeats: {
        last: async () => {
          throw new Error('database is locked');
        },
      },
    });
    expect(result).toMatchObject({
      status: 'unknown',
      message: expect.stringContaining('database is locked'),
    });
  });
});

import { describe, expect, it } from 'vitest';
import { heartbeatCheck } from '../../src/checks/heartbeat.js';
import type { HeartbeatPing, HeartbeatReader, KindOutcome } from '../../src/checks/types.js';
import { makeCtx } from './ctx.js';

const minute = 60_000;
const hour = 60 * minute;
const now = Date.UTC(2026, 5, 1, 12);
const hourly = heartbeatCheck.schema.parse({ period: '1h', grace: '5m' });

function reader(state: { ping?: HeartbeatPing; lastStart?: HeartbeatPing } | undefined): HeartbeatReader {
  return {
    last: async (check) => {
      expect(check).toBe('nightly-backup');
      return state;
    },
  };
}

function judge(state: Parameters<typeof reader>[0], at = now): Promise<KindOutcome> {
  return heartbeatCheck.run(
    hourly,
    makeCtx({ name: 'nightly-backup', now: () => at, heartbeats: reader(state) }),
  );
}

function sample(out: KindOutcome, name: string) {
  return out.samples?.find((s) => s.name === name)?.value;
}

describe('heartbeat check', () => {
  it('is ok while the last ping is within the period', async () => {
    const out = await judge({ ping: { at: now - 20 * minute, type: 'ok' } });
    expect(out).toMatchObject({ status: 'ok', message: 'last ping 20m ago' });
    expect(sample(out, 'heartbeat_last_ping_timestamp_seconds')).toBe((now - 20 * minute) / 1000);
    expect(sample(out, 'heartbeat_age_seconds')).toBe(1200);
  });

  it('warns when the ping is late but within grace', async () => {
    const out = await judge({ ping: { at: now - hour - 2 * minute, type: 'ok' } });
    expect(out).toMatchObject({ status: 'warning', message: 'late: last ping 1h2m ago, expected every 1h' });
  });

  it('is critical once period and grace have both passed', async () => {
    const out = await judge({ ping: { at: now - 2 * hour, type: 'ok' } });
    expect(out).toMatchObject({ status: 'critical', message: 'down, last ping 2h ago' });
    expect(sample(out, 'heartbeat_age_seconds')).toBe(7200);
  });

  it('is critical when the job reported failure, passing on its message', async () => {
    const out = await judge({
      ping: { at: now - 3 * minute, type: 'fail', message: 'pg_dump: connection refused' },
    });
    expect(out).toMatchObject({ status: 'critical', message: 'failed 3m ago: pg_dump: connection refused' });
  });

  it('is ok while a started job runs, and critical when it never finishes', async () => {
    const running = await judge({
      ping: { at: now - 50 * minute, type: 'ok' },
      lastStart: { at: now - 10 * minute, type: 'start' },
    });
    expect(running).toMatchObject({ status: 'ok', message: 'running, started 10m ago' });

    const stuck = await judge({
      ping: { at: now - 3 * hour, type: 'ok' },
      lastStart: { at: now - 2 * hour, type: 'start' },
    });
    expect(stuck).toMatchObject({ status: 'critical', message: 'started 2h ago but never finished' });

    // the reader may also hand the start back as the latest ping
    const onlyStart = await judge({ ping: { at: now - 90 * minute, type: 'start' } });
    expect(onlyStart.status).toBe('critical');
  });

  it('judges the ok that followed a start, not the start', async () => {
    const out = await judge({
      ping: { at: now - 5 * minute, type: 'ok' },
      lastStart: { at: now - 3 * hour, type: 'start' },
    });
    expect(out).toMatchObject({ status: 'ok', message: 'last ping 5m ago' });
  });

  it('waits for a first ping, then calls a job that never pinged down', async () => {
    const memo = {};
    const ctxAt = (at: number) =>
      makeCtx({ now: () => at, memo, heartbeats: reader(undefined), name: 'nightly-backup' });
    const first = await heartbeatCheck.run(hourly, ctxAt(now));
    expect(first).toMatchObject({ status: 'unknown', message: 'no ping received yet' });
    expect(first.samples).toBeUndefined();
    const soon = await heartbeatCheck.run(hourly, ctxAt(now + hour));
    expect(soon.status).toBe('unknown');
    const later = await heartbeatCheck.run(hourly, ctxAt(now + hour + 6 * minute));
    expect(later).toMatchObject({ status: 'critical', message: 'no ping received in 1h6m' });
  });

  it('treats a ping from a clock ahead of ours as fresh', async () => {
    const out = await judge({ ping: { at: now + 30_000, type: 'ok' } });
    expect(out.status).toBe('ok');
    expect(sample(out, 'heartbeat_age_seconds')).toBe(0);
  });

  it('is unknown when the pings cannot be read', async () => {
    const broken: HeartbeatReader = {
      last: async () => {
        throw new Error('database is locked');
      },
    };
    const out = await heartbeatCheck.run(hourly, makeCtx({ heartbeats: broken }));
    expect(out).toMatchObject({ status: 'unknown', message: 'cannot read pings: database is locked' });
  });

  it('rejects invalid specs and defaults grace to a minute', () => {
    expect(heartbeatCheck.schema.safeParse({}).success).toBe(false);
    expect(heartbeatCheck.schema.safeParse({ period: 3600 }).success).toBe(false);
    expect(heartbeatCheck.schema.safeParse({ period: 'hourly' }).success).toBe(false);
    expect(heartbeatCheck.schema.safeParse({ period: '1h', grace_period: '5m' }).success).toBe(false);
    expect(heartbeatCheck.schema.parse({ period: '1d' })).toEqual({ period: 86_400_000, grace: 60_000 });
  });
});
